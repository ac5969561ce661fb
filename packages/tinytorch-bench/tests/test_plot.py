"""The plots a run writes (matplotlib is optional: these skip without it)."""

import pytest

from tinytorch.bench.run import plot

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


def test_training_curves_writes_a_png_and_nothing_else(tmp_path):
    metrics = {"train_loss": [1.2, 0.6, 0.4], "val_loss": [1.0, 0.7, 0.6], "val_accuracy": [0.7, 0.8, 0.85]}
    plot.training_curves(metrics, tmp_path / "curves.png", "run")
    assert (tmp_path / "curves.png").read_bytes().startswith(PNG)
    assert [p.name for p in tmp_path.iterdir()] == ["curves.png"]


def test_pareto_writes_a_png(tmp_path):
    base = {"accuracy": 0.96, "latency_ms": {"p50": 0.03}, "model_bytes": 68904}
    opt = {"accuracy": 0.95, "latency_ms": {"p50": 0.02}, "model_bytes": 6788}
    plot.pareto(base, opt, tmp_path / "pareto.png", "memory")
    assert (tmp_path / "pareto.png").read_bytes().startswith(PNG)


def test_a_run_writes_its_training_curves(tiny, tmp_path):
    from tinytorch.bench.run import runner

    result = runner.run(tiny, out=tmp_path / "run")
    assert len(result.metrics["train_loss"]) == 2
    assert (tmp_path / "run" / "curves.png").read_bytes().startswith(PNG)
