"""tinytorch.torch without PyTorch installed: namespaces, dtype rules, devices, save/load, compile.

What PyTorch itself would compute is checked in the repository's tests/parity/.
"""

import inspect
import pickle
import zipfile

import numpy as np
import pytest

import tinytorch.nn
import tinytorch.optim
import tinytorch.torch as torch
import tinytorch.torch.nn as nn
import tinytorch.torch.optim as optim
from tinytorch.core import Tensor
from tinytorch.torch.nn import functional as F
from tinytorch.torch.utils.data import DataLoader, Dataset, TensorDataset


def test_the_facade_reexports_instead_of_reimplementing():
    assert torch.Tensor is Tensor and nn.Linear is tinytorch.nn.Linear and nn.Embedding is tinytorch.nn.Embedding
    assert F.cross_entropy is tinytorch.nn.functional.cross_entropy
    assert optim.AdamW is tinytorch.optim.AdamW
    assert optim.lr_scheduler.OneCycleLR is tinytorch.optim.OneCycleLR


def test_creation_follows_pytorchs_dtype_rules():
    assert torch.tensor([1, 2]).dtype == torch.int64 == torch.long
    assert torch.tensor([1.0]).dtype == torch.float32 == torch.float
    assert torch.tensor([True]).dtype == torch.bool
    assert torch.tensor(np.zeros(2)).dtype == torch.float64  # NumPy data keeps its dtype
    assert torch.arange(5).dtype == torch.int64 and torch.arange(0, 1, 0.25).dtype == torch.float32
    assert torch.full((2,), 3).dtype == torch.int64 and torch.full((2,), 0.5).dtype == torch.float32
    assert torch.zeros(2, 3).shape == torch.zeros((2, 3)).shape == (2, 3)
    assert torch.ones_like(torch.tensor([1, 2])).dtype == torch.int64
    assert torch.randint(10, (4,)).dtype == torch.int64 and torch.randint(3, 5, (100,)).data.min() >= 3
    assert torch.eye(3).data.trace() == 3 and torch.linspace(0, 1, 5).data[-1] == 1.0


def test_from_numpy_shares_memory_and_tensor_copies():
    a = np.zeros(3, np.float32)
    shared, copied = torch.from_numpy(a), torch.tensor(a)
    a[0] = 1
    assert shared.data[0] == 1 and copied.data[0] == 0
    assert torch.as_tensor(a).data is a


def test_manual_seed_makes_every_draw_repeat():
    def draws():
        torch.manual_seed(3)
        return [torch.randn(3).data, torch.rand(2).data, torch.randint(9, (3,)).data,
                nn.Linear(2, 2).weight.data, torch.multinomial(torch.tensor([0.1, 0.9]), 1).data]

    for a, b in zip(draws(), draws()):
        np.testing.assert_array_equal(a, b)


def test_multinomial_without_replacement_draws_distinct_classes():
    torch.manual_seed(0)
    drawn = torch.multinomial(torch.ones(2, 5), 5)
    assert drawn.shape == (2, 5) and all(sorted(row) == list(range(5)) for row in drawn.data.tolist())
    with pytest.raises(RuntimeError, match="replacement=True"):
        torch.multinomial(torch.ones(3), 4)


def test_the_cpu_is_the_only_device():
    assert not torch.cuda.is_available() and not torch.backends.mps.is_available()
    model = nn.Linear(2, 2)
    assert model.to("cpu") is model and model.to(torch.device("cpu")) is model
    assert torch.zeros(2, device="cpu").to("cpu").shape == (2,)
    for call in (lambda: model.to("cuda"), lambda: torch.zeros(2).to("cuda"), lambda: torch.zeros(2, device="mps")):
        with pytest.raises(RuntimeError, match="CPU only"):
            call()


def test_save_and_load_nested_checkpoints_as_npz(tmp_path):
    model = nn.Linear(3, 2)
    opt = optim.Adam(model.parameters())
    path = tmp_path / "ckpt.pt"
    torch.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3}, path)
    assert zipfile.ZipFile(path).namelist()[0].endswith(".npy")  # an .npz, whatever the suffix
    ckpt = torch.load(path, map_location="cpu")
    assert int(ckpt["epoch"]) == 3
    fresh = nn.Linear(3, 2)
    fresh.load_state_dict(ckpt["model"])
    np.testing.assert_array_equal(fresh.weight.data, model.weight.data)
    optim.Adam(fresh.parameters()).load_state_dict(ckpt["optimizer"])


def test_load_refuses_pytorch_pickles_with_a_way_out(tmp_path):
    legacy = tmp_path / "legacy.pt"
    legacy.write_bytes(pickle.dumps({"w": [1.0]}, protocol=2))
    modern = tmp_path / "modern.pt"
    with zipfile.ZipFile(modern, "w") as archive:  # the layout of torch.save since PyTorch 1.6
        archive.writestr("modern/data.pkl", pickle.dumps({}))
    for path in (legacy, modern):
        with pytest.raises(ValueError, match="never unpickles.*numpy.savez"):
            torch.load(path)
    with pytest.raises(ValueError, match="only pickle can store"):
        torch.save({"model": object()}, tmp_path / "bad.pt")


def test_compile_trains_eagerly_and_infers_through_the_recording():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    compiled = torch.compile(model, mode="max-autotune")
    x = torch.randn(3, 4)
    compiled(x).sum().backward()  # training mode: eager, gradients flow
    assert model[0].weight.grad is not None
    compiled.eval()
    with torch.no_grad():
        for _ in range(3):  # record, check, replay
            np.testing.assert_allclose(compiled(x).data, model(x).data, rtol=1e-6)
    assert list(compiled.state_dict())[0] == "_orig_mod.0.weight"


def test_dataloader_takes_pytorchs_arguments_and_shuffles_reproducibly():
    class Squares(Dataset):
        def __len__(self):
            return 10

        def __getitem__(self, i):
            return np.float32(i), i * i

    def order():
        torch.manual_seed(1)
        return [y.tolist() for _, y in DataLoader(Squares(), batch_size=4, shuffle=True, num_workers=2, pin_memory=True)]

    assert order() == order() and sorted(sum(order(), [])) == [i * i for i in range(10)]
    x, y = next(iter(DataLoader(TensorDataset(torch.zeros(5, 2), torch.arange(5)), batch_size=5)))
    assert x.shape == (5, 2) and y.dtype == torch.int64


def test_clip_grad_norm_returns_a_tensor_as_pytorchs_does():
    p = torch.tensor([3.0, 4.0], requires_grad=True)
    (p * p).sum().backward()
    norm = nn.utils.clip_grad_norm_([p], 1.0)
    assert isinstance(norm, Tensor) and norm.item() == pytest.approx(10.0)


def test_optimizer_constructors_are_introspectable():
    for name in ("SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "Adadelta"):
        params = inspect.signature(getattr(optim, name)).parameters
        assert list(params)[:2] == ["params", "lr"], name


def test_functional_style_calls_forward_to_tensor_methods():
    x = torch.tensor([[1.0, 5.0], [3.0, 2.0]])
    assert torch.argmax(x, dim=1).tolist() == [1, 0]
    assert torch.flatten(x).shape == (4,) and torch.tril(x).tolist() == [[1.0, 0.0], [3.0, 2.0]]
    np.testing.assert_allclose(torch.softmax(x, dim=1).data.sum(1), [1, 1], rtol=1e-6)
    assert torch.cat([x, x], dim=0).shape == (4, 2) and torch.stack([x, x]).shape == (2, 2, 2)
    assert torch.where(x > 2, x, torch.zeros_like(x)).tolist() == [[0.0, 5.0], [3.0, 0.0]]
    assert torch.topk(x, 1).values.tolist() == [[5.0], [3.0]]
