"""The database: a stored run comes back whole, the schema migrates forward and refuses a newer one."""

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tinytorch.bench.competition import db
from tinytorch.bench.olympics import verify
from tinytorch.bench.run.cli import main


def test_url_of_a_file_name_is_sqlite():
    assert db.url_of(None) == db.DEFAULT_URL == "sqlite:///leaderboard.db"
    assert db.url_of("boards/class.db") == "sqlite:///boards/class.db"
    assert db.url_of("postgresql+psycopg://u:p@h/d") == "postgresql+psycopg://u:p@h/d"


def test_a_stored_run_exported_again_passes_verify(olympics_run, db_url, tmp_path):
    engine = db.connect(db_url)
    id, created = db.store(engine, olympics_run)
    assert (id, created) == (1, True) and db.store(engine, olympics_run) == (1, False)
    copy = db.export(engine, id, tmp_path / "exported")
    for name in ("config.yaml", "metrics.json", "model.npz", "report.md"):
        assert (copy / name).read_bytes() == (olympics_run / name).read_bytes(), name
    assert verify.verify(copy).passed


def test_grades_are_kept_beside_the_submission_and_the_newest_is_listed(olympics_run, db_url):
    engine = db.connect(db_url)
    id, _ = db.store(engine, olympics_run)
    before = db.revision(engine)
    for verified in (False, True):
        db.add_grade(engine, id, figures={"event": {"score": 1.0}}, verified=verified, detail=f"v={verified}",
                     machine={"cpu": "test"})
    assert db.revision(engine) > before
    assert [g["verified"] for g in db.grades(engine, id)] == [False, True]
    (entry,) = db.entries(engine)
    assert entry["graded"]["detail"] == "v=True" and entry["graded"]["machine"] == {"cpu": "test"}


def version_of(url):
    with sa.create_engine(url).connect() as conn:
        return conn.execute(sa.text("SELECT version FROM schema_version")).scalar()


def tables_of(url):
    return set(sa.inspect(sa.create_engine(url)).get_table_names())


def test_a_database_at_an_older_version_is_migrated_and_keeps_its_submissions(olympics_run, db_url):
    old = db.connect(db_url, version=1)  # the first schema: no grades table yet
    id, _ = db.store(old, olympics_run)
    assert version_of(db_url) == 1 and "grades" not in tables_of(db_url)
    engine = db.connect(db_url)
    assert version_of(db_url) == db.SCHEMA_VERSION == 2 and "grades" in tables_of(db_url)
    assert [e["id"] for e in db.entries(engine)] == [id]
    db.add_grade(engine, id, figures={}, verified=True, detail="", machine={})
    assert db.connect(db_url) is not None and version_of(db_url) == 2  # connecting again changes nothing
    assert len(db.grades(engine, id)) == 1


def test_a_database_from_a_newer_tinytorch_is_refused_in_one_line(olympics_run, db_url):
    db.connect(db_url)
    with sa.create_engine(db_url).begin() as conn:
        conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": db.SCHEMA_VERSION + 1})
    with pytest.raises(db.DatabaseError, match=f"has schema version {db.SCHEMA_VERSION + 1}.*upgrade tinytorch-bench"):
        db.connect(db_url)
    for args in (["submit", str(olympics_run), "--db", db_url], ["leaderboard", "--db", db_url]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        (line,) = result.stderr.strip().splitlines()
        assert line.startswith("error: the database ") and "upgrade tinytorch-bench" in line
    assert version_of(db_url) == db.SCHEMA_VERSION + 1  # left as it was


def test_tt_submit_defaults_to_leaderboard_db_here(olympics_run, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["submit", str(olympics_run)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"submitted {olympics_run} as #1 to sqlite:///leaderboard.db"
    board = CliRunner().invoke(main, ["leaderboard", "--json"])
    assert board.exit_code == 0 and [e["run"] for e in json.loads(board.stdout)] == ["run"]
