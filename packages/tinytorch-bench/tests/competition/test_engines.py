"""engines.run_all: every job comes back, a failing one as its error; Ctrl-C stops the workers."""

import os
import sys
import textwrap

import click
import pytest

from tinytorch.bench.competition import engines

# Spawned workers import the job function by module name, and pytest imports test files
# under names no other process can import: so the jobs live in a module written here.
JOBS = textwrap.dedent('''
    import os, time

    def square(job, report):
        report(f"working on {job}")
        if job == 3:
            raise ValueError("three is not allowed")
        return job * job, os.environ.get("OPENBLAS_NUM_THREADS"), os.environ.get("TINYTORCH_MARK")

    def sleepy(job, report):
        report(os.getpid())
        pids = os.environ["TINYTORCH_TEST_PIDS"]
        with open(os.path.join(pids, job + ".tmp"), "w") as f:
            f.write(str(os.getpid()))
        os.replace(os.path.join(pids, job + ".tmp"), os.path.join(pids, job))
        if job == "slow":
            time.sleep(60)
        if job == "quick":  # the slow job has started (and reported) long before this returns
            while not os.path.exists(os.path.join(pids, "slow")):
                time.sleep(0.01)
            time.sleep(1)
        return job

    def dies(job, report):
        os._exit(1)  # as a worker killed by the out-of-memory killer would
''')


@pytest.fixture
def jobs_module(tmp_path, monkeypatch):
    (tmp_path / "engine_jobs.py").write_text(JOBS)
    monkeypatch.syspath_prepend(str(tmp_path))  # the spawned workers start with this sys.path
    monkeypatch.setenv("TINYTORCH_MARK", "from the caller")
    (tmp_path / "pids").mkdir()
    monkeypatch.setenv("TINYTORCH_TEST_PIDS", str(tmp_path / "pids"))
    import engine_jobs

    yield engine_jobs
    sys.modules.pop("engine_jobs", None)


def test_every_job_returns_and_a_failing_one_is_reported(jobs_module):
    messages = []
    done = list(engines.run_all(jobs_module.square, range(6), workers=2,
                                on_report=lambda job, message: messages.append((job, message))))
    by_job = {d.job: d for d in done}
    assert sorted(by_job) == list(range(6))
    assert by_job[3].result is None and by_job[3].error == "three is not allowed"
    for job in (0, 1, 2, 4, 5):
        assert by_job[job].error is None
        # one BLAS thread per worker, and the caller's TINYTORCH_* variables
        assert by_job[job].result == (job * job, "1", "from the caller")
    assert set(messages) <= {(job, f"working on {job}") for job in range(6)}  # late ones are dropped
    assert os.environ.get("OPENBLAS_NUM_THREADS") != "2"  # the caller's own setting is restored


def test_a_session_runs_several_batches_on_one_pool(jobs_module):
    with engines.Session("local", workers=2) as session:
        first = [d.result for d in session.run_all(jobs_module.sleepy, ["a", "b"])]
        pool = session.pool
        second = [d.result for d in session.run_all(jobs_module.sleepy, ["c"])]
        assert session.pool is pool
    assert sorted(first) == ["a", "b"] and second == ["c"]
    assert session.pool is None


def test_a_worker_that_dies_is_reported_and_the_next_batch_gets_a_new_pool(jobs_module):
    with engines.Session("local", workers=1) as session:
        (done,) = session.run_all(jobs_module.dies, ["x"])
        assert done.error.startswith("a worker process died")
        assert [d.result[0] for d in session.run_all(jobs_module.square, [2])] == [4]


def test_jobs_are_read_as_workers_come_free(jobs_module):
    pulled = []

    def jobs():
        for job in range(10):
            pulled.append(job)
            yield job

    results = engines.run_all(jobs_module.square, jobs(), workers=1)
    next(results)
    assert len(pulled) < 10  # a window of jobs in flight, not all of them at once
    assert len(list(results)) == 9 and len(pulled) == 10


def test_stopping_early_ends_the_running_jobs(jobs_module, tmp_path):
    reports = []
    results = engines.run_all(jobs_module.sleepy, ["slow", "quick"], workers=2,
                              on_report=lambda job, pid: reports.append(job))
    assert next(results).job == "quick"
    assert "slow" in reports  # passed on while the slow job ran
    results.close()  # what Ctrl-C does to the loop: the generator's cleanup runs
    slow = int((tmp_path / "pids" / "slow").read_text())
    with pytest.raises(ProcessLookupError):  # the worker was terminated (and reaped), not left to sleep
        os.kill(slow, 0)


def test_bad_engine_options_are_one_line():
    with pytest.raises(click.BadParameter, match="expected one of local, ray, found 'spark'"):
        list(engines.run_all(abs, [1], engine="spark"))
    with pytest.raises(click.UsageError, match="--address names a Ray cluster"):
        list(engines.run_all(abs, [1], address="ray://x:10001"))


def test_without_ray_one_line_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(click.UsageError, match=r"pip install tinytorch-bench\[ray\]"):
        list(engines.run_all(abs, [1], engine="ray"))


def test_describe_gives_one_line():
    from tinytorch.bench.run.config import ConfigError
    from tinytorch.bench.run.schema import Problem

    assert engines.describe(ValueError("a\n  b")) == "a b"
    assert engines.describe(KeyboardInterrupt()) == "interrupted"
    assert engines.describe(RuntimeError()) == "RuntimeError"
    error = ConfigError([Problem("x.yaml:3", "seed", "seed: expected an integer"), Problem("x", "a", "a: bad")])
    assert engines.describe(error) == "x.yaml:3: seed: expected an integer; x: a: bad"
