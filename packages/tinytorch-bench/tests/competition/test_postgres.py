"""The database on a real PostgreSQL: store, list, the duplicate no-op, migrations, two submitters at once.

Set ``TINYTORCH_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets it). Without it
these tests skip, except under ``TINYTORCH_COMPETITION=1`` (the competition tox env),
where a missing server is a failure. Each test works in a schema of its own, dropped
afterwards, so the database can be shared.
"""

import json
import subprocess
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tinytorch.bench.competition import db
from tinytorch.bench.run.cli import main


def test_submit_list_and_the_duplicate_no_op(postgres_url, olympics_run):
    first = CliRunner().invoke(main, ["submit", str(olympics_run), "--db", postgres_url])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"submitted {olympics_run} as #1 to postgresql+psycopg://")
    assert ":***@" in first.stdout  # the password is not printed
    again = CliRunner().invoke(main, ["submit", str(olympics_run), "--db", postgres_url])
    assert again.exit_code == 0 and again.stdout.strip() == "already submitted as #1 (nothing changed)"
    engine = db.connect(postgres_url)
    (entry,) = db.entries(engine)
    metrics = json.loads((olympics_run / "metrics.json").read_text())
    assert (entry["run"], entry["event"], entry["score"]) == ("run", "memory", metrics["event"]["score"])
    assert entry["valid"] is metrics["event"]["valid"] and entry["submitted_at"].endswith("+00:00")
    assert db.model_npz(engine, 1) == (olympics_run / "model.npz").read_bytes()
    assert db.submission(engine, 1)["metrics"] == metrics
    board = CliRunner().invoke(main, ["leaderboard", "--db", postgres_url, "--json"])
    assert board.exit_code == 0 and [e["id"] for e in json.loads(board.stdout)] == [1]


def test_migrations_on_postgres(postgres_url, olympics_run):
    id, _ = db.store(db.connect(postgres_url, version=1), olympics_run)
    engine = db.connect(postgres_url)
    assert "grades" in sa.inspect(engine).get_table_names()
    db.add_grade(engine, id, figures={"event": {}}, verified=True, detail="ok", machine={})
    assert db.entries(engine)[0]["graded"]["detail"] == "ok"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {db.SCHEMA_VERSION + 1}")
    with pytest.raises(db.DatabaseError, match="upgrade tinytorch-bench"):
        db.connect(postgres_url)


def test_two_processes_submitting_one_run_at_once_store_it_once(postgres_url, olympics_run):
    tt = [sys.executable, "-c", "from tinytorch.bench.run.cli import main; main()", "submit", str(olympics_run)]
    processes = [subprocess.Popen([*tt, "--db", postgres_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted(out.split(" as ")[0].split()[0] for out, _ in outputs) == ["already", "submitted"]
    assert len(db.entries(db.connect(postgres_url))) == 1
