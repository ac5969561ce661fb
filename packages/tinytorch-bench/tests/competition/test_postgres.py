"""The database on a real PostgreSQL: store, list, the duplicate no-op, migrations, two submitters at once.

Set ``TINYTORCH_TEST_POSTGRES_URL`` (``.ci/run`` starts a server and sets it). Without it
these tests skip, except under ``TINYTORCH_COMPETITION=1`` (the competition tox env),
where a missing server is a failure. Each test works in a schema of its own, dropped
afterwards, so the database can be shared.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tinytorch.bench.competition import db
from tinytorch.bench.run.cli import main

ENV = "TINYTORCH_TEST_POSTGRES_URL"


@pytest.fixture
def pg_url():
    """The URL of an empty schema of its own on the test server."""
    url = os.environ.get(ENV)
    if not url:
        if os.environ.get("TINYTORCH_COMPETITION") == "1":
            pytest.fail(f"{ENV} is not set: the competition env tests on a real PostgreSQL (.ci/run starts one)")
        pytest.skip(f"{ENV} is not set")
    if os.environ.get("TINYTORCH_COMPETITION") != "1":
        pytest.importorskip("psycopg")
    schema = f"tt_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    # every connection of the URL below finds its tables in that schema (libpq's options)
    yield sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    admin.dispose()


def test_submit_list_and_the_duplicate_no_op(pg_url, olympics_run):
    first = CliRunner().invoke(main, ["submit", str(olympics_run), "--db", pg_url])
    assert first.exit_code == 0, first.output
    assert first.stdout.startswith(f"submitted {olympics_run} as #1 to postgresql+psycopg://")
    assert ":***@" in first.stdout  # the password is not printed
    again = CliRunner().invoke(main, ["submit", str(olympics_run), "--db", pg_url])
    assert again.exit_code == 0 and again.stdout.strip() == "already submitted as #1 (nothing changed)"
    engine = db.connect(pg_url)
    (entry,) = db.entries(engine)
    metrics = json.loads((olympics_run / "metrics.json").read_text())
    assert (entry["run"], entry["event"], entry["score"]) == ("run", "memory", metrics["event"]["score"])
    assert entry["valid"] is metrics["event"]["valid"] and entry["submitted_at"].endswith("+00:00")
    assert db.model_npz(engine, 1) == (olympics_run / "model.npz").read_bytes()
    assert db.submission(engine, 1)["metrics"] == metrics
    board = CliRunner().invoke(main, ["leaderboard", "--db", pg_url, "--json"])
    assert board.exit_code == 0 and [e["id"] for e in json.loads(board.stdout)] == [1]


def test_migrations_on_postgres(pg_url, olympics_run):
    id, _ = db.store(db.connect(pg_url, version=1), olympics_run)
    engine = db.connect(pg_url)
    assert "grades" in sa.inspect(engine).get_table_names()
    db.add_grade(engine, id, figures={"event": {}}, verified=True, detail="ok", machine={})
    assert db.entries(engine)[0]["graded"]["detail"] == "ok"
    with engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE schema_version SET version = {db.SCHEMA_VERSION + 1}")
    with pytest.raises(db.DatabaseError, match="upgrade tinytorch-bench"):
        db.connect(pg_url)


def test_two_processes_submitting_one_run_at_once_store_it_once(pg_url, olympics_run):
    tt = [sys.executable, "-c", "from tinytorch.bench.run.cli import main; main()", "submit", str(olympics_run)]
    processes = [subprocess.Popen([*tt, "--db", pg_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sorted(out.split(" as ")[0].split()[0] for out, _ in outputs) == ["already", "submitted"]
    assert len(db.entries(db.connect(pg_url))) == 1
