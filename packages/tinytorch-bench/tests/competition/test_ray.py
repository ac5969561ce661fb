"""Sweeps and grading on a local Ray of 2 CPUs (skipped without Ray; under TINYTORCH_COMPETITION=1 they fail).

Ray starts once for the module; the sweep and the grading join it (an engine that finds
Ray running uses it and leaves it running).
"""

import time

import pytest

from tinytorch.bench.competition import db, engines, grade, sweep

from .conftest import CONFIGS, required

ray = required("ray")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, runtime_env={"env_vars": engines.ONE_THREAD})
    yield
    ray.shutdown()


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "tiny_olympics.yaml"
    path.write_text(f"extends: {CONFIGS / 'test' / 'tiny_mlp.yaml'}\n"
                    "passes: [{name: prune, sparsity: 0.5}, {name: quantize}]\nevent: {name: memory}\n")
    return path


def test_jobs_run_on_ray_and_a_failing_one_is_reported():
    # a lambda, which Ray pickles by value: a worker cannot import a test module by its pytest name
    done = {d.job: d for d in engines.run_all(lambda job, report: divmod(*job), [(7, 2), (1, 0)], engine="ray")}
    assert done[(7, 2)].result == (3, 1) and done[(7, 2)].error is None
    assert done[(1, 0)].error and "division" in done[(1, 0)].error
    assert ray.is_initialized()  # the module's Ray, left running


def test_progress_messages_come_back_from_ray_tasks():
    messages = []
    # the message is in Ray's queue before the job sleeps, and passed on while it sleeps
    done = list(engines.run_all(lambda job, report: (report(f"at {job}"), time.sleep(1), job)[-1], ["a"],
                                engine="ray", on_report=lambda job, message: messages.append((job, message))))
    assert done[0].result == "a" and messages == [("a", "at a")]


def test_a_sweep_then_its_grading_on_ray(config, tmp_path, db_url):
    grid = {"passes.0.sparsity": [0.3, 0.6], "passes.0.finetune_epochs": [0, 1]}
    root, jobs, results = sweep.run_sweep(config, grid, engine="ray", workers=2, url=db_url, out=tmp_path / "sw")
    assert len(jobs) == 4 and all("error" not in result for result in results.values())
    engine = db.connect(db_url)
    entries = db.entries(engine)
    assert sorted(e["run"] for e in entries) == sorted(job["name"] for job in jobs)
    assert all(e["params"] and e["sweep_id"] for e in entries)
    sweep.draw_front(root, list(results.values()))
    assert (root / "pareto.svg").read_text().count("<circle") == 4

    graded = grade.grade_all(db_url, engine="ray", workers=2)
    assert len(graded) == 4 and all(result["verified"] for _, result in graded)
    for entry in entries:
        (recorded,) = db.grades(engine, entry["id"])
        assert recorded["figures"]["optimized"]["accuracy"] == entry["accuracy"]
