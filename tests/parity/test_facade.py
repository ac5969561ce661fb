"""tinytorch.torch's top level against PyTorch's: creation dtypes and values, the torch.f(x)
functions (values and gradients), sampling, and files written by PyTorch itself."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinytorch.torch as tt  # noqa: E402

DTYPE_NAMES = ["float32", "float", "float64", "double", "float16", "half", "int64", "long", "int32", "int",
               "int16", "int8", "uint8", "bool"]


def same_dtype(ours, theirs):
    return np.dtype(ours.dtype) == torch.empty(0, dtype=theirs.dtype).numpy().dtype


@pytest.mark.parametrize("name", DTYPE_NAMES)
def test_dtype_names_mean_what_they_mean_in_pytorch(name):
    assert np.dtype(getattr(tt, name)) == torch.empty(0, dtype=getattr(torch, name)).numpy().dtype


CREATION = [
    ("tensor ints", lambda lib: lib.tensor([[1, 2], [3, 4]])),
    ("tensor floats", lambda lib: lib.tensor([1.5, 2.0])),
    ("tensor bools", lambda lib: lib.tensor([True, False])),
    ("tensor dtype", lambda lib: lib.tensor([1, 2], dtype=lib.float64)),
    ("zeros", lambda lib: lib.zeros(2, 3)), ("ones tuple", lambda lib: lib.ones((2, 3), dtype=lib.int64)),
    ("full int", lambda lib: lib.full((2, 2), 7)), ("full float", lambda lib: lib.full((3,), 0.5)),
    ("eye", lambda lib: lib.eye(3, 4)), ("arange int", lambda lib: lib.arange(7)),
    ("arange start step", lambda lib: lib.arange(2, 11, 3)), ("arange float", lambda lib: lib.arange(0, 1, 0.125)),
    ("linspace", lambda lib: lib.linspace(-1, 1, 9)),
    ("zeros_like", lambda lib: lib.zeros_like(lib.tensor([1, 2]))),
    ("ones_like", lambda lib: lib.ones_like(lib.tensor([[1.0, 2.0]]))),
    ("full_like", lambda lib: lib.full_like(lib.tensor([1.0, 2.0]), 3.0)),
    ("from_numpy", lambda lib: lib.from_numpy(np.arange(6, dtype=np.int32).reshape(2, 3))),
    ("as_tensor", lambda lib: lib.as_tensor(np.ones(3))),
]


@pytest.mark.parametrize("name,make", CREATION, ids=[c[0] for c in CREATION])
def test_creation_gives_pytorchs_values_and_dtypes(name, make):
    ours, theirs = make(tt), make(torch)
    assert ours.shape == tuple(theirs.shape) and same_dtype(ours, theirs)
    np.testing.assert_array_equal(ours.data, theirs.numpy())


@pytest.mark.parametrize("make", [lambda lib: lib.randn(3, 4), lambda lib: lib.rand(2, 5), lambda lib: lib.randint(9, (4,)),
                                  lambda lib: lib.randint(2, 5, (3, 3)), lambda lib: lib.randperm(6),
                                  lambda lib: lib.randn_like(lib.zeros(2, 2)), lambda lib: lib.empty(2, 3)])
def test_random_creation_gives_pytorchs_shapes_and_dtypes(make):
    ours, theirs = make(tt), make(torch)
    assert ours.shape == tuple(theirs.shape) and same_dtype(ours, theirs)


FUNCTIONS = [
    ("cat", lambda lib, a, b: lib.cat([a, b], dim=1)),
    ("cat negative dim", lambda lib, a, b: lib.cat([a, b], dim=-1)),
    ("stack", lambda lib, a, b: lib.stack([a, b], dim=2)),
    ("flatten", lambda lib, a, b: lib.flatten(a * b, 1)),
    ("where", lambda lib, a, b: lib.where(a > b, a, b * 2)),
    ("tril", lambda lib, a, b: lib.tril(a, diagonal=1)), ("triu", lambda lib, a, b: lib.triu(b, -1)),
    ("topk values", lambda lib, a, b: lib.topk(a, 2, dim=1).values),
    ("softmax", lambda lib, a, b: lib.softmax(a, dim=0)), ("log_softmax", lambda lib, a, b: lib.log_softmax(b, dim=-1)),
    ("exp/log/sqrt/abs", lambda lib, a, b: lib.exp(a) + lib.log(lib.abs(b) + 1) + lib.sqrt(lib.abs(a) + 1)),
    ("tanh/sigmoid/relu", lambda lib, a, b: lib.tanh(a) * lib.sigmoid(b) + lib.relu(a)),
    ("sum/mean dim", lambda lib, a, b: lib.sum(a, dim=1, keepdim=True) + lib.mean(b, dim=(0, 2), keepdim=True)),
    ("max dim values", lambda lib, a, b: lib.max(a, dim=2).values),
    ("clamp", lambda lib, a, b: lib.clamp(a, min=-0.5, max=0.5)),
    ("matmul", lambda lib, a, b: lib.matmul(a, b.transpose(1, 2))),
    ("masked_fill", lambda lib, a, b: lib.masked_fill(a, b > 0, 0.0)),
]


@pytest.mark.parametrize("name,fn", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_functions_match_pytorch_with_gradients(parity, name, fn):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))]
    parity.check(lambda a, b: fn(tt, a, b), lambda a, b: fn(torch, a, b), arrays)


def test_argmax_and_topk_indices():
    x = np.random.default_rng(1).standard_normal((3, 5))
    assert tt.argmax(tt.tensor(x), dim=1).tolist() == torch.argmax(torch.tensor(x), dim=1).tolist()
    assert tt.argmax(tt.tensor(x)).item() == torch.argmax(torch.tensor(x)).item()
    assert tt.topk(tt.tensor(x), 3).indices.tolist() == torch.topk(torch.tensor(x), 3).indices.tolist()


def test_multinomial_draws_in_proportion_to_the_weights():
    tt.manual_seed(0)
    weights = np.array([1.0, 3.0, 6.0])  # unnormalised, as PyTorch allows
    drawn = tt.multinomial(tt.tensor(weights), 20000, replacement=True)
    assert drawn.dtype == torch.empty(0, dtype=torch.multinomial(torch.tensor(weights), 1).dtype).numpy().dtype
    np.testing.assert_allclose(np.bincount(drawn.data, minlength=3) / 20000, weights / weights.sum(), atol=0.015)


def test_a_file_written_by_pytorch_is_refused_with_a_conversion_hint(tmp_path):
    path = tmp_path / "model.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(ValueError, match="torch.save"):
        tt.load(path)
    converted = tmp_path / "model.npz"
    np.savez(converted, **{k: v.numpy() for k, v in torch.load(path).items()})  # the hint's one line
    model = tt.nn.Linear(2, 2)
    model.load_state_dict(tt.load(converted))
    np.testing.assert_array_equal(model.weight.data, torch.load(path)["weight"].numpy())


def test_pytorch_weights_load_into_the_facades_modules():
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.Flatten(), torch.nn.Linear(8, 3))
    ours = tt.nn.Sequential(tt.nn.Conv2d(1, 2, 3), tt.nn.Flatten(), tt.nn.Linear(8, 3))
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 1, 4, 4)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(ours(tt.tensor(x)).data, theirs(torch.tensor(x)).numpy(), rtol=1e-5, atol=1e-6)
