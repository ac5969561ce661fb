"""What a compiled function replays, and what makes it record again or refuse."""

import numpy as np
import pytest

from tinytorch.core import Tensor, use_backend
from tinytorch.core import functional as F
from tinytorch.core.compile import CompileError, compile


class TinyModel:
    """The duck-typed part of an nn.Module that compile guards: parameters, buffers, training."""

    def __init__(self):
        self.weight = Tensor(np.arange(6.0).reshape(2, 3))
        self.training = False

    def parameters(self):
        return [self.weight]

    def buffers(self):
        return []

    def __call__(self, x):
        return F.linear(x, self.weight).relu() * 2.0


def _x(*shape, seed=0):
    return Tensor(np.random.default_rng(seed).standard_normal(shape))


def test_two_calls_record_then_later_calls_replay_the_kernels():
    model = TinyModel()
    compiled = compile(model, fallback=False)
    for seed in range(4):
        x = _x(4, 3, seed=seed)
        np.testing.assert_array_equal(compiled(x).data, model(x).data)
    (program,) = compiled.programs.values()
    assert [s.kernel for s in program.steps] == ["linear", "relu", "mul"]


def test_a_new_shape_or_backend_gets_its_own_recording():
    model = TinyModel()
    compiled = compile(model, fallback=False)
    for shape in ((4, 3), (4, 3), (1, 3), (1, 3), (1, 3)):
        x = _x(*shape)
        np.testing.assert_array_equal(compiled(x).data, model(x).data)
    assert len(compiled.programs) == 2
    with use_backend("vectorized"):  # the same name as the default: the same recording
        compiled(_x(1, 3))
    assert len(compiled.programs) == 2


def test_replacing_a_parameter_array_drops_the_recordings_and_in_place_changes_are_seen():
    model = TinyModel()
    compiled = compile(model, fallback=False)
    for _ in range(3):
        compiled(_x(2, 3))
    model.weight.data *= -1  # in place: replay reads the same array
    np.testing.assert_array_equal(compiled(_x(2, 3)).data, model(_x(2, 3)).data)
    model.weight.data = np.ones((2, 3))  # a new array: the old recording read the old one
    np.testing.assert_array_equal(compiled(_x(2, 3)).data, model(_x(2, 3)).data)
    assert not compiled.programs  # recording again


def test_training_mode_and_inputs_that_require_grad_are_refused():
    model = TinyModel()
    model.training = True
    with pytest.raises(CompileError, match=r"training mode.*\.eval\(\)"):
        compile(model)(_x(2, 3))
    model.training = False
    with pytest.raises(CompileError, match="requires grad"):
        compile(model)(Tensor(np.ones((2, 3)), requires_grad=True))


def glue(x):
    return Tensor(np.tanh(x.data)) * 3.0  # NumPy outside the kernels: replay cannot redo it


def test_numpy_outside_the_kernels_is_refused_or_run_eagerly():
    with pytest.raises(CompileError, match="outside the backend's kernels"):
        strict = compile(glue, fallback=False)
        for seed in range(2):
            strict(_x(2, 3, seed=seed))
    lenient = compile(glue)
    with pytest.warns(UserWarning, match="eagerly"):
        for seed in range(2):
            lenient(_x(2, 3, seed=seed))
    np.testing.assert_array_equal(lenient(_x(2, 3, seed=5)).data, glue(_x(2, 3, seed=5)).data)
    assert "outside the backend's kernels" in lenient.reason


def test_a_view_that_follows_a_length_is_rebuilt_at_each_replay():
    table = np.arange(40.0).reshape(10, 4)
    filled = {"n": 3}  # what a KV cache's length does to the views a forward makes

    def prefix_sum(x):
        return Tensor(table)[: filled["n"]].sum(0) + x

    step = compile(prefix_sum, fallback=False)
    for n in (3, 4, 7, 9):
        filled["n"] = n
        np.testing.assert_array_equal(step(_x(4), length=n).data, table[:n].sum(0) + _x(4).data)
    assert len(step.programs) == 1
    fixed = compile(prefix_sum, fallback=False)
    with pytest.raises(CompileError, match="moved"):
        for n in (3, 4):
            filled["n"] = n
            fixed(_x(4))  # no length=: a view may not move
