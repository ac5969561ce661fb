"""Module: registration, tree walking, modes, state dicts and repr."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(np.ones(4, dtype=np.float32))
        self.register_buffer("steps", np.zeros((), dtype=np.int64))
        self.note = "not state"

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.block(x))


def test_parameter_defaults():
    p = nn.Parameter([1, 2, 3])
    assert isinstance(p, Tensor) and p.requires_grad and p.dtype == np.float32
    assert nn.Parameter(np.arange(3)).dtype == np.float32  # integers cannot require grad
    assert nn.Parameter(np.zeros(2)).dtype == np.float64  # a float array keeps its width
    assert not nn.Parameter([1.0], requires_grad=False).requires_grad


def test_registration_order_and_names():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "block.scale", "block.fc.weight", "block.fc.bias", "block.norm.weight", "block.norm.bias",
        "head.1.weight", "head.1.bias",
    ]
    assert [name for name, _ in net.named_buffers()] == [
        "block.steps", "block.norm.running_mean", "block.norm.running_var"]
    assert [name for name, _ in net.named_children()] == ["block", "head"]
    assert [type(m).__name__ for m in net.modules()] == [
        "Net", "Block", "Linear", "BatchNorm1d", "Sequential", "ReLU", "Linear"]
    assert "note" not in dict(net.block.named_parameters())
    assert len(list(net.buffers())) == 3


def test_state_dict_is_parameters_then_buffers_per_module_and_copies():
    net = Net()
    state = net.state_dict()
    assert list(state) == [
        "block.scale", "block.steps", "block.fc.weight", "block.fc.bias", "block.norm.weight",
        "block.norm.bias", "block.norm.running_mean", "block.norm.running_var",
        "head.1.weight", "head.1.bias",
    ]
    assert all(isinstance(v, np.ndarray) for v in state.values())
    state["block.fc.weight"][...] = 123
    assert not np.any(net.block.fc.weight.data == 123)


def test_reassigning_and_deleting_attributes():
    block = Block()
    block.fc = nn.Linear(3, 4, bias=False)
    assert [n for n, _ in block.named_parameters()][:2] == ["scale", "fc.weight"]
    block.steps = np.array(5)
    assert isinstance(block.steps, Tensor) and "steps" in dict(block.named_buffers())
    with pytest.raises(TypeError, match="'scale', which holds a Parameter"):
        block.scale = Tensor([1.0])
    del block.scale
    assert "scale" not in dict(block.named_parameters())
    with pytest.raises(AttributeError, match="'Block' object has no attribute 'missing'"):
        _ = block.missing


def test_forgetting_super_init_is_explained():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)

    with pytest.raises(AttributeError, match="call super\\(\\).__init__\\(\\) first"):
        Broken()


def test_register_buffer_checks_names():
    m = nn.Linear(2, 2)
    with pytest.raises(KeyError, match="already has an attribute 'weight'"):
        m.register_buffer("weight", np.zeros(2))
    with pytest.raises(KeyError, match="without '.'"):
        m.register_buffer("a.b", np.zeros(2))


def test_train_eval_and_zero_grad():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(Tensor(np.ones((3, 3), dtype=np.float32))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_num_parameters_counts_shared_parameters_once():
    shared = nn.Linear(4, 4)
    tied = nn.Sequential(shared, nn.ReLU(), shared)
    assert nn.Linear(10, 5).num_parameters() == 55
    assert nn.Linear(10, 5, bias=False).num_parameters() == 50
    assert tied.num_parameters() == 20
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert Net().num_parameters() == 4 + (12 + 4) + (4 + 4) + (8 + 2)


def test_to_casts_floating_state_only():
    block = Block().double()
    assert all(p.dtype == np.float64 for p in block.parameters())
    assert block.norm.running_mean.dtype == np.float64
    assert block.steps.dtype == np.int64


def test_repr_is_nested_like_pytorch():
    assert repr(nn.Linear(4, 3)) == "Linear(in_features=4, out_features=3, bias=True)"
    assert repr(Net()) == (
        "Net(\n"
        "  (block): Block(\n"
        "    (fc): Linear(in_features=3, out_features=4, bias=True)\n"
        "    (norm): BatchNorm1d(4, eps=1e-05, momentum=0.1)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): ReLU()\n"
        "    (1): Linear(in_features=4, out_features=2, bias=True)\n"
        "  )\n"
        ")"
    )
    fused = nn.Linear(2, 2)
    fused.activation = "relu"
    assert repr(fused) == "Linear(in_features=2, out_features=2, bias=True, activation='relu')"


def test_sequential_and_module_list():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and isinstance(seq[1:], nn.Sequential)
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    assert seq(Tensor(np.ones((5, 2), dtype=np.float32))).shape == (5, 1)
    assert seq[1:](Tensor(np.ones((5, 3), dtype=np.float32))).shape == (5, 1)
    with pytest.raises(IndexError, match="index 3 is out of range for a Sequential of length 3"):
        _ = seq[3]
    named = nn.Sequential({"fc": nn.Linear(2, 2), "act": nn.Tanh()})
    assert list(named.state_dict()) == ["fc.weight", "fc.bias"]

    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.Linear(2, 1))
    assert len(layers) == 4 and len(list(layers.parameters())) == 8
    assert isinstance(layers[:2], nn.ModuleList) and len(layers[:2]) == 2
    with pytest.raises(TypeError, match="ModuleList holds Modules, found a int"):
        layers.append(3)


# ---------------------------------------------------------------------- load_state_dict
def test_state_dict_round_trip_gives_same_outputs(rng):
    a, b = Net(), Net()
    x = Tensor(rng.standard_normal((6, 3)).astype(np.float32))
    a(x)  # moves BatchNorm's running statistics away from their initial values
    b.load_state_dict(a.state_dict())
    a.eval(), b.eval()
    np.testing.assert_array_equal(a(x).data, b(x).data)
    for name, value in a.state_dict().items():
        np.testing.assert_array_equal(b.state_dict()[name], value, err_msg=name)


def test_strict_load_names_missing_and_unexpected_keys():
    net = Net()
    state = net.state_dict()
    del state["block.fc.bias"]
    state["block.fc.bais"] = np.zeros(4, dtype=np.float32)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "missing key 'block.fc.bias'" in message
    assert "unexpected key 'block.fc.bais'" in message and "did you mean 'block.fc.bias'?" in message
    assert "strict=False" in message


def test_shape_mismatch_names_parameter_and_both_shapes_even_when_not_strict():
    net = Net()
    state = net.state_dict()
    state["head.1.weight"] = np.zeros((3, 4), dtype=np.float32)
    before = net.state_dict()
    for strict in (True, False):
        with pytest.raises(RuntimeError, match=r"size mismatch for 'head.1.weight': the state has shape "
                                               r"\(3, 4\), the model has shape \(2, 4\)"):
            net.load_state_dict(state, strict=strict)
    for name, value in net.state_dict().items():  # a failed load changes nothing
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_non_strict_load_reports_and_loads_the_rest():
    net = Net()
    state = {"head.1.bias": np.array([7, 8], dtype=np.float32), "extra": np.zeros(1)}
    result = net.load_state_dict(state, strict=False)
    assert result.unexpected_keys == ["extra"] and "block.fc.weight" in result.missing_keys
    np.testing.assert_array_equal(net.head[1].bias.data, [7, 8])


def test_load_casts_within_a_dtype_kind_and_replaces_across_kinds():
    m = nn.Linear(2, 2)
    m.register_buffer("scale", np.ones(2, dtype=np.float32))
    state = m.state_dict()
    state["weight"] = np.arange(4, dtype=np.int8).reshape(2, 2)  # a quantized weight
    state["bias"] = np.array([0.5, 1.5])  # float64 into float32: cast
    state["scale"] = np.array([2, 3], dtype=np.float16)
    m.load_state_dict(state)
    assert m.weight.dtype == np.int8 and not m.weight.requires_grad
    assert m.bias.dtype == np.float32 and m.bias.requires_grad
    assert m.scale.dtype == np.float32
    np.testing.assert_array_equal(m.bias.data, [0.5, 1.5])
    assert m.state_dict()["weight"].dtype == np.int8


def test_tied_parameters_appear_under_each_name_and_load():
    shared = nn.Linear(2, 2)
    tied = nn.Sequential(shared, shared)
    assert list(tied.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    assert len(list(tied.parameters())) == 2
    tied.load_state_dict({name: np.full(v.shape, 3, np.float32) for name, v in tied.state_dict().items()})
    np.testing.assert_array_equal(shared.weight.data, np.full((2, 2), 3))


def test_deleting_plain_registered_and_missing_attributes():
    import tinytorch.nn as nn

    layer = nn.Linear(2, 2)
    layer.note = "plain"
    del layer.note
    assert not hasattr(layer, "note")
    del layer.bias
    assert "bias" not in dict(layer.named_parameters())
    with pytest.raises(AttributeError):
        del layer.missing
