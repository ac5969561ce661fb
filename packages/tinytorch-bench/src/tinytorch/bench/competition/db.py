"""The competition's database: every submission, sweep and grade, in SQLite or PostgreSQL.

A class competition outgrows a ``runs/`` folder: hundreds of students submit, the
instructor grades every entry again on one machine, and a web page shows the standings
while submissions arrive. So submissions live in a database, reached through an
SQLAlchemy URL: by default an SQLite file (``leaderboard.db``; nothing to start), on a
class server PostgreSQL (``postgresql+psycopg://user:password@host/db``).

Three tables:

* ``submissions``: one row per run, holding all of it (config.yaml, metrics.json,
  report.md, model.npz and its manifest), so a run can be checked and re-measured long
  after its directory is gone. ``run_sha256`` (of the config, model and metrics files)
  is unique: the same run submitted twice is stored once. The columns the ranking
  needs (track, event, score, qualified, valid) are copied out of the metrics.
* ``sweeps``: a ``tt sweep``'s config and grid; its trials are submissions with a
  ``sweep_id`` and their ``params``.
* ``grades``: figures re-measured on the grading machine, beside the submitted ones.

The schema has a version, kept in ``schema_version``. ``connect`` brings an older
database up to date by running the ``MIGRATIONS`` it lacks, in order, and refuses one
written by a newer TinyTorch rather than guess at it.

This module stores and reads; it checks nothing. ``tt submit`` (``submit.py``) verifies a
run before it calls ``store``.

Read next: ``submit.py`` (``tt submit`` and ``tt leaderboard``), then ``web.py``.
"""

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import exc

from tinytorch.bench.olympics import leaderboard
from tinytorch.core.files import read_limited, shorten, write_text

DEFAULT_URL = "sqlite:///leaderboard.db"
MAX_MODEL_BYTES = 512 * 2**20  # a full-size GPT entry is a few MB; far more is not a model
MAX_TEXT_BYTES = 10 * 2**20  # config.yaml and report.md are kB
RUN_FILES = ("config.yaml", "metrics.json", "model.npz")

metadata = sa.MetaData()

SCHEMA = sa.Table("schema_version", metadata, sa.Column("version", sa.Integer, nullable=False))

SWEEPS = sa.Table(
    "sweeps", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("config_path", sa.Text, nullable=False),
    sa.Column("grid", sa.Text, nullable=False),  # JSON: {key.path: [values]}
    sa.Column("created_at", sa.String(32), nullable=False),  # ISO 8601, UTC: sorts as it reads
)

SUBMISSIONS = sa.Table(
    "submissions", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("run_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("run", sa.String(200), nullable=False),
    sa.Column("submitted_at", sa.String(32), nullable=False, index=True),
    sa.Column("track", sa.String(200), nullable=False),
    sa.Column("event", sa.String(200), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("qualified", sa.Boolean, nullable=False),
    sa.Column("valid", sa.Boolean),  # None: a run from before LoadGen validity
    sa.Column("model_sha256", sa.String(64), nullable=False),
    sa.Column("config_yaml", sa.Text, nullable=False),
    sa.Column("metrics", sa.Text, nullable=False),  # JSON; the manifest is metrics["manifest"]
    sa.Column("report", sa.Text),
    sa.Column("model", sa.LargeBinary, nullable=False),
    sa.Column("sweep_id", sa.Integer, sa.ForeignKey("sweeps.id")),
    sa.Column("params", sa.Text),  # JSON: the trial's grid values, for a sweep's trial
)

GRADES = sa.Table(
    "grades", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("submission_id", sa.Integer, sa.ForeignKey("submissions.id"), nullable=False, index=True),
    sa.Column("graded_at", sa.String(32), nullable=False),
    sa.Column("figures", sa.Text, nullable=False),  # JSON: baseline, optimized, event as re-measured
    sa.Column("verified", sa.Boolean, nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
    sa.Column("machine", sa.Text, nullable=False),  # JSON: the grading machine's manifest keys
)

# Version N is reached by running MIGRATIONS[N - 1] on a database at version N - 1.
# Released migrations never change; a new schema is a new function appended here.
MIGRATIONS = (
    lambda conn: metadata.create_all(conn, tables=[SCHEMA, SWEEPS, SUBMISSIONS]),
    lambda conn: GRADES.create(conn),
)
SCHEMA_VERSION = len(MIGRATIONS)


class DatabaseError(Exception):
    """A database that cannot be used: a bad URL, a server out of reach, a newer schema.

    ``tt`` prints its message as one line and exits 1.
    """

    exit_code = 1


def url_of(text=None):
    """An SQLAlchemy URL from ``--db``: None is ``DEFAULT_URL``, a plain path an SQLite file."""
    if text is None:
        return DEFAULT_URL
    return text if "://" in text else f"sqlite:///{Path(text)}"


def sqlite_path(url):
    """The file of an SQLite URL, None for a server database (or SQLite in memory)."""
    parsed = sa.make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" and parsed.database else None


def connect(url=None, *, version=SCHEMA_VERSION):
    """An engine on ``url`` whose schema is at ``version`` (created or migrated as needed).

    ``version`` below the newest exists for tests of the migrations.
    """
    url = url_of(url)
    shown = shown_url(url)
    try:
        engine = sa.create_engine(url, **_options(url))
        migrate(engine, version)
    except exc.ArgumentError:
        raise DatabaseError(f"--db {shorten(url)}: expected a database URL such as "
                            "sqlite:///leaderboard.db or postgresql+psycopg://user:password@host/db, "
                            "or a file name") from None
    except exc.NoSuchModuleError as error:
        raise DatabaseError(f"--db {shown}: no driver for it installed ({error}); for PostgreSQL: "
                            "pip install tinytorch-bench[postgres]") from None
    except ModuleNotFoundError as error:
        raise DatabaseError(f"--db {shown}: its driver {error.name!r} is not installed; for "
                            "PostgreSQL: pip install tinytorch-bench[postgres]") from None
    except exc.SQLAlchemyError as error:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise DatabaseError(f"--db {shown}: cannot use the database: {shorten(first, 200)}") from None
    return engine


def shown_url(url):
    """``url`` without its password: for messages and the class's web page."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return shorten(url)


def _options(url):
    if sa.make_url(url).get_backend_name() != "sqlite":
        return {"pool_pre_ping": True}
    # Several `tt submit`s, a sweep and the web page may share one file: wait for a lock
    # rather than fail at once.
    return {"connect_args": {"timeout": 60}}


def migrate(engine, version=SCHEMA_VERSION):
    """Run the migrations ``engine``'s database lacks, up to ``version``."""
    for attempt in range(2):
        try:
            with engine.begin() as conn:
                if _version(conn) < version:  # only a migrator locks: a read-only database stays readable
                    _one_at_a_time(conn)
                current = _version(conn)
                if current > SCHEMA_VERSION:
                    raise DatabaseError(
                        f"the database {shown_url(str(engine.url))} has schema version {current}; this "
                        f"tinytorch-bench knows versions up to {SCHEMA_VERSION}: upgrade tinytorch-bench")
                for step in range(current, version):
                    MIGRATIONS[step](conn)
                if current == 0 and version > 0:
                    conn.execute(SCHEMA.insert().values(version=version))
                elif version > current:
                    conn.execute(SCHEMA.update().values(version=version))
            return
        except (exc.OperationalError, exc.ProgrammingError, exc.IntegrityError):
            if attempt:  # two processes migrated at once: the other one won; look again
                raise


def _one_at_a_time(conn):
    """Hold the database's write lock for the migration: a second migrator waits, then finds it done.

    pysqlite runs CREATE TABLE outside the transaction it opens (it begins one only before
    INSERT and the like), so without ``BEGIN IMMEDIATE`` two processes starting on a new
    file both create the tables, and the later one fails.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(1849)")  # any fixed number: TinyTorch's lock


def _version(conn):
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    return conn.execute(sa.select(SCHEMA.c.version)).scalar() or 0


def now():
    """The current time in UTC, ISO 8601 with microseconds: a fixed width, so text order is time order."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def store(engine, run_dir, *, sweep_id=None, params=None):
    """Store the run in ``run_dir``: ``(id, created)``; the same run again is ``(its id, False)``."""
    run_dir = Path(run_dir)
    for name in RUN_FILES:
        if not (run_dir / name).is_file():
            raise ValueError(f"{run_dir} has no {name}; is it a run directory written by tt run?")
    config_bytes = read_limited(run_dir / "config.yaml", MAX_TEXT_BYTES, "config.yaml")
    metrics_bytes = read_limited(run_dir / "metrics.json", leaderboard.MAX_METRICS_BYTES, "metrics.json")
    model = read_limited(run_dir / "model.npz", MAX_MODEL_BYTES, "model.npz")
    report = run_dir / "report.md"
    metrics = leaderboard.read_metrics(run_dir / "metrics.json")
    entry = leaderboard.entry(metrics, run_dir.name)
    if entry is None:
        raise ValueError(f"{run_dir / 'metrics.json'} has no event: only Olympics runs can be submitted")
    digest = hashlib.sha256()
    for part in (config_bytes, model, metrics_bytes):
        digest.update(hashlib.sha256(part).digest())
    row = {
        "run_sha256": digest.hexdigest(), "run": shorten(run_dir.name, 200), "submitted_at": now(),
        "track": entry["track"], "event": entry["event"], "score": entry["score"],
        "qualified": entry["qualified"], "valid": entry["valid"],
        "model_sha256": (metrics.get("manifest") or {}).get("model_sha256") or hashlib.sha256(model).hexdigest(),
        "config_yaml": config_bytes.decode("utf-8"), "metrics": metrics_bytes.decode("utf-8"),
        "report": read_limited(report, MAX_TEXT_BYTES, "report.md").decode("utf-8") if report.is_file() else None,
        "model": model, "sweep_id": sweep_id, "params": None if params is None else json.dumps(params),
    }
    existing = _id_of(engine, row["run_sha256"])
    if existing is not None:
        return existing, False
    try:
        with engine.begin() as conn:
            return conn.execute(SUBMISSIONS.insert().values(**row)).inserted_primary_key[0], True
    except exc.IntegrityError:  # stored by another process since we looked
        return _id_of(engine, row["run_sha256"]), False


def _id_of(engine, run_sha256):
    with engine.connect() as conn:
        return conn.execute(sa.select(SUBMISSIONS.c.id).where(SUBMISSIONS.c.run_sha256 == run_sha256)).scalar()


# Every column but the model, which only export and model_npz need.
LISTED = [column for column in SUBMISSIONS.c if column.name != "model"]


def entries(engine):
    """One leaderboard entry per submission (``leaderboard.entry``'s keys and the database's), oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*LISTED).order_by(SUBMISSIONS.c.submitted_at, SUBMISSIONS.c.id)).all()
        newest = _newest_grades(conn)
    return [_entry(row, newest.get(row.id)) for row in rows]


def _entry(row, grade):
    metrics = json.loads(row.metrics)
    return {
        **leaderboard.entry(metrics, row.run),
        "id": row.id, "submitted_at": row.submitted_at, "sweep_id": row.sweep_id,
        "params": None if row.params is None else json.loads(row.params), "graded": grade,
    }


def _newest_grades(conn, id=None):
    """``{submission id: its newest grade}``, of every submission or of submission ``id`` alone."""
    query = sa.select(GRADES).order_by(GRADES.c.id)
    if id is not None:
        query = query.where(GRADES.c.submission_id == id)
    newest = {}
    for row in conn.execute(query):
        newest[row.submission_id] = _grade(row)  # later rows replace earlier ones
    return newest


def _grade(row):
    return {"id": row.id, "graded_at": row.graded_at, "figures": json.loads(row.figures),
            "verified": row.verified, "detail": row.detail, "machine": json.loads(row.machine)}


def submission(engine, id):
    """Everything stored of submission ``id`` but the model bytes; None if there is none."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(*LISTED).where(SUBMISSIONS.c.id == id)).first()
        if row is None:
            return None
        newest = _newest_grades(conn, id).get(id)
    metrics = json.loads(row.metrics)
    return {**_entry(row, newest), "manifest": metrics.get("manifest") or {}, "config_yaml": row.config_yaml,
            "metrics": metrics, "report": row.report, "model_sha256": row.model_sha256,
            "run_sha256": row.run_sha256}


def model_npz(engine, id):
    """The stored ``model.npz`` bytes of submission ``id``."""
    with engine.connect() as conn:
        model = conn.execute(sa.select(SUBMISSIONS.c.model).where(SUBMISSIONS.c.id == id)).scalar()
    if model is None:
        raise KeyError(f"no submission #{id}")
    return bytes(model)


def export(engine, id, directory):
    """Write submission ``id`` back as a run directory (config.yaml, metrics.json, model.npz, report.md)."""
    stored = submission(engine, id)
    if stored is None:
        raise KeyError(f"no submission #{id}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "model.npz").write_bytes(model_npz(engine, id))
    write_text(directory / "config.yaml", stored["config_yaml"])
    if stored["report"] is not None:
        write_text(directory / "report.md", stored["report"])
    # metrics.json last: in a run directory it is the marker that the rest is whole
    with engine.connect() as conn:
        write_text(directory / "metrics.json",
                   conn.execute(sa.select(SUBMISSIONS.c.metrics).where(SUBMISSIONS.c.id == id)).scalar())
    return directory


def add_grade(engine, id, *, figures, verified, detail, machine):
    """Record what grading measured for submission ``id``; returns the grade's id."""
    row = {"submission_id": id, "graded_at": now(), "figures": json.dumps(figures), "verified": bool(verified),
           "detail": detail, "machine": json.dumps(machine)}
    with engine.begin() as conn:
        return conn.execute(GRADES.insert().values(**row)).inserted_primary_key[0]


def grades(engine, id):
    """Every grade of submission ``id``, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(GRADES).where(GRADES.c.submission_id == id).order_by(GRADES.c.id))
        return [_grade(row) for row in rows]


def new_sweep(engine, name, config_path, grid):
    """Record a sweep; returns its id (its trials are stored with ``store(..., sweep_id=id)``)."""
    row = {"name": name, "config_path": str(config_path), "grid": json.dumps(grid), "created_at": now()}
    with engine.begin() as conn:
        return conn.execute(SWEEPS.insert().values(**row)).inserted_primary_key[0]


def sweeps(engine):
    """Every sweep, oldest first: ``{id, name, config_path, grid, created_at}``."""
    with engine.connect() as conn:
        return [{**row._asdict(), "grid": json.loads(row.grid)} for row in conn.execute(
            sa.select(SWEEPS).order_by(SWEEPS.c.id))]


def revision(engine):
    """A number that grows whenever a submission or a grade is added: the web page polls it."""
    with engine.connect() as conn:
        counts = [conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() for table in (SUBMISSIONS, GRADES)]
    return sum(counts)
