"""docs/pytorch.md's example, PyTorch's MNIST example with only its imports changed, runs as written,
and computes what PyTorch computes.

The block runs on a slice of MNIST (or, without the MNIST files, random images of its
shape): ``main()`` end to end on TinyTorch; then ``Net``/``train``/``test`` from the same
block under TinyTorch and, with PyTorch's imports, under PyTorch, from the same weights
with dropout off (the two frameworks draw different random masks), comparing every
number the example prints.
"""

import contextlib
import io
import pathlib
import re
import sys
from argparse import Namespace

import numpy as np
import pytest

from tinytorch.core.data import DatasetNotFoundError, DatasetSplits, Subset, TensorDataset, load_dataset

DOC = pathlib.Path(__file__).resolve().parents[1] / "docs" / "pytorch.md"


def example_source():
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1, "docs/pytorch.md should hold exactly one runnable example"
    return blocks[0]


def as_pytorch(source):
    """The same program with PyTorch's imports: the port, undone."""
    lines = source.splitlines()
    return "\n".join(line.replace("tinytorch.torch", "torch") if line.startswith(("import ", "from ")) else line
                     for line in lines)


def small_mnist(train=256, test=200):
    try:
        mnist = load_dataset("mnist", flatten=False, limit=train)
        return DatasetSplits(mnist.train, Subset(mnist.test, np.arange(test)), mnist.info)
    except DatasetNotFoundError:
        rng = np.random.default_rng(0)
        images = lambda n: rng.standard_normal((n, 1, 28, 28)).astype(np.float32)  # noqa: E731
        return DatasetSplits(TensorDataset(images(train), rng.integers(0, 10, train)),
                             TensorDataset(images(test), rng.integers(0, 10, test)), {"num_classes": 10})


def load_example(source, data):
    namespace = {"__name__": "mnist_example"}
    exec(compile(source, str(DOC), "exec"), namespace)
    namespace["load_dataset"] = lambda *args, **kwargs: data  # data loading aside
    return namespace


def printed_numbers(fn, *args):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        fn(*args)
    return out.getvalue(), [float(x) for x in re.findall(r"-?\d+\.\d+|\d+", out.getvalue())]


def test_the_example_runs_as_written(tmp_path, monkeypatch):
    example = load_example(example_source(), small_mnist())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["main.py", "--epochs", "2", "--batch-size", "32", "--test-batch-size", "100",
                                      "--log-interval", "4", "--save-model"])
    text, _ = printed_numbers(example["main"])
    assert text.count("Train Epoch:") == 4 and text.count("Test set: Average loss:") == 2
    accuracy = int(re.findall(r"Accuracy: (\d+)/200", text)[-1])
    assert accuracy > 20  # better than chance after 16 steps (on real MNIST, well above)
    net = example["Net"]()
    net.load_state_dict(example["torch"].load("mnist_cnn.pt"))


def test_the_example_computes_what_pytorch_computes():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    data = small_mnist(train=128, test=100)
    ours, theirs = load_example(example_source(), data), load_example(as_pytorch(example_source()), data)
    assert theirs["torch"] is torch and theirs["nn"] is torch.nn

    runs = []
    for side in (ours, theirs):
        side["torch"].manual_seed(1)
        model = side["Net"]()
        if side is theirs:  # the same starting weights as TinyTorch's net
            model.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in runs[0][0].state_dict().items()})
        model.dropout1.p = model.dropout2.p = 0.0  # the frameworks draw different masks
        loader = side["torch"].utils.data.DataLoader
        runs.append((model, loader(data.train, batch_size=32), loader(data.test, batch_size=50)))

    logs = []
    for side, (model, train_loader, test_loader) in zip((ours, theirs), runs):
        optimizer = side["optim"].Adadelta(model.parameters(), lr=1.0)
        scheduler = side["StepLR"](optimizer, step_size=1, gamma=0.7)
        args, numbers = Namespace(log_interval=1, dry_run=False), []
        for epoch in (1, 2):
            numbers += printed_numbers(side["train"], args, model, "cpu", train_loader, optimizer, epoch)[1]
            numbers += printed_numbers(side["test"], model, "cpu", test_loader)[1]
            scheduler.step()
        logs.append(numbers)
    np.testing.assert_allclose(logs[0], logs[1], rtol=2e-3, atol=1e-4)
