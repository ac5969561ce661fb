"""The compile pass: the same model, replayed kernel by kernel, and honest about it."""

import copy
import warnings

import numpy as np

from tinytorch.core import Tensor, no_grad
from tinytorch.nn import models
from tinytorch.optim.passes import Compile, PassContext, quantize


class OneBatch:
    def __iter__(self):
        yield Tensor(np.random.default_rng(0).standard_normal((4, 12)).astype(np.float32)), None


def _mlp():
    return models.mlp({"input_shape": (12,), "num_classes": 3}, hidden=(8,))


def test_the_model_replays_the_same_numbers_and_saves_the_same_state():
    model = _mlp()
    keys = list(model.state_dict())
    x = Tensor(np.random.default_rng(1).standard_normal((1, 12)).astype(np.float32))
    with no_grad():
        eager = model(x).data
    context = PassContext(test_loader=OneBatch())
    model = Compile().apply(model, {}, context)
    assert context.report == {"replays": True, "kernels": 3, "eager_because": None}
    for _ in range(3):
        np.testing.assert_array_equal(model(x).data, eager)
    assert list(model.state_dict()) == keys
    twin = copy.deepcopy(model)  # a copy records afresh, on its own arrays
    np.testing.assert_array_equal(twin(x).data, eager)


def test_a_quantized_model_runs_eagerly_and_the_report_says_why():
    context = PassContext(test_loader=OneBatch())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        Compile().apply(quantize(_mlp()), {}, context)
    assert context.report["replays"] is False and "outside the backend's kernels" in context.report["eager_because"]

