"""The milestones of 1957 to 1998 reach their targets when run as `tt run` runs them.

The fast ones (perceptron, XOR, the 8x8 digits) train for real here, each in seconds.
The MNIST ones take minutes: they run only with TINYTORCH_SLOW=1 (and the MNIST files
in TINYTORCH_DATA or the cache), as docs/milestones.md shows:

    TINYTORCH_SLOW=1 TINYTORCH_DATA=../shared/data pytest tests/test_milestones.py
"""

import io
import json
import os
from pathlib import Path

import pytest
from rich.console import Console

from tinytorch.bench.run import runner

MILESTONES = Path(__file__).resolve().parents[1] / "configs" / "milestones"

# name: (at least, at most) test accuracy, as in docs/milestones.md
TARGETS = {
    "1957_perceptron": (1.0, 1.0),
    "1969_xor_single_layer": (0.0, 0.75),
    "1969_xor_mlp": (1.0, 1.0),
    "1986_mlp_digits": (0.97, 1.0),
    "1998_cnn_digits": (0.985, 1.0),
    "1986_mlp_mnist": (0.98, 1.0),
    "1998_cnn_mnist": (0.99, 1.0),
}
SLOW = {"1986_mlp_mnist", "1998_cnn_mnist"}

slow = pytest.mark.skipif(not os.environ.get("TINYTORCH_SLOW"), reason="MNIST milestones take minutes; set TINYTORCH_SLOW=1")


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=[pytest.mark.slow, slow] if name in SLOW else []) for name in TARGETS]
)
def test_milestone_reaches_its_target(name, tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))  # train for real, every time
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    runner.run(MILESTONES / f"{name}.yaml", out=tmp_path / "run", console=Console(file=io.StringIO()))
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    low, high = TARGETS[name]
    assert low <= metrics["test_accuracy"] <= high, f"{name}: test accuracy {metrics['test_accuracy']:.4f}"


def test_every_milestone_config_tells_its_history():
    assert set(TARGETS) <= {p.stem for p in MILESTONES.glob("*.yaml")}
    for path in MILESTONES.glob("*.yaml"):
        header = path.read_text().split("\nname:")[0]
        assert header.startswith("# ") and "tt run configs/milestones/" in header, path
