"""Compiled execution equals eager execution for every built-in model on every backend.

The conformance idea of the backends, extended to ``tinytorch.core.compile``: replay
calls the same kernels on the same numbers, so float64 results are bit-identical and
float32 ones agree to 1e-6. A quantized model's forward does NumPy work outside the
kernels, so compile runs it eagerly and says why (``reason``); the test checks that too.
"""

import warnings

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor, no_grad, plugins, use_backend
from tinytorch.core.compile import compile
from tinytorch.nn import models
from tinytorch.optim.passes import Compile, PassContext, prune, quantize
from tinytorch.text import GPT

BACKENDS = sorted(plugins.registry("backends"))
IMAGE = {"input_shape": (1, 8, 8), "num_classes": 5}


def _gpt():
    return GPT(vocab_size=11, d_model=8, n_layers=2, n_heads=2, max_seq_len=8)


def _pruned():
    model = models.mlp({"input_shape": (12,), "num_classes": 3}, hidden=(16,))
    prune.apply_masks(prune.magnitude_masks(model, 0.5))
    return model


MODELS = {  # name: (build, one input of batch n, dtype kind)
    "perceptron": (lambda: models.perceptron({"input_shape": (12,), "num_classes": 3}), lambda r: r.standard_normal((2, 12))),
    "mlp": (lambda: models.mlp({"input_shape": (12,), "num_classes": 3}, hidden=(16, 8)), lambda r: r.standard_normal((2, 12))),
    "lenet": (lambda: models.lenet(IMAGE, channels=(2, 3), hidden=(6,)), lambda r: r.standard_normal((2, 1, 8, 8))),
    "gpt": (_gpt, lambda r: r.integers(0, 11, (2, 5))),
    "pruned mlp": (_pruned, lambda r: r.standard_normal((2, 12))),
}


def _inputs(make, dtype, n=4):
    rng = np.random.default_rng(1)
    for _ in range(n):
        x = make(rng)
        yield x if x.dtype.kind == "i" else x.astype(dtype)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_compiled_equals_eager(backend, name, dtype):
    build, make = MODELS[name]
    with use_backend(backend):
        nn.manual_seed(0)
        model = build().eval()
        if dtype == np.float64:
            model.double()
        compiled = compile(model, fallback=False)
        for x in _inputs(make, dtype):
            with no_grad():
                eager = model(Tensor(x) if x.dtype.kind == "f" else x).data
            got = compiled(Tensor(x) if x.dtype.kind == "f" else x).data
            if dtype == np.float64:
                np.testing.assert_array_equal(got, eager)
            else:
                np.testing.assert_allclose(got, eager, rtol=1e-6, atol=1e-6)
        assert compiled.programs, "the later calls must have replayed a recording"


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_quantized_model_runs_eagerly_and_says_why(backend):
    with use_backend(backend):
        nn.manual_seed(0)
        model = quantize(models.mlp({"input_shape": (12,), "num_classes": 3}, hidden=(16,))).eval()
        compiled = compile(model)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for x in _inputs(lambda r: r.standard_normal((2, 12)), np.float32):
                with no_grad():
                    eager = model(Tensor(x)).data
                np.testing.assert_array_equal(compiled(Tensor(x)).data, eager)
        assert not compiled.programs and "outside the backend's kernels" in compiled.reason


@pytest.mark.parametrize("backend", BACKENDS)
def test_compiled_greedy_decoding_matches_eager_uncached(backend):
    with use_backend(backend):
        nn.manual_seed(0)
        model = _gpt()
        prompt = np.array([[1, 2, 3]])
        eager = model.generate(prompt, 5, temperature=0, use_cache=False, compile=False)  # fills the window
        for use_cache in (True, False):
            np.testing.assert_array_equal(model.generate(prompt, 5, temperature=0, use_cache=use_cache), eager)
        # Past the window the cache refills from half a window; the compiled step follows it.
        eager = model.generate(prompt, 20, temperature=0, compile=False)
        np.testing.assert_array_equal(model.generate(prompt, 20, temperature=0), eager)


def test_a_compiled_gpt_still_generates_with_its_cache():
    model = GPT(vocab_size=11, d_model=8, n_layers=1, n_heads=2, max_seq_len=8)
    prompt = np.array([[1, 2, 3]])
    expected = model.generate(prompt, 4, temperature=0, compile=False)
    model = Compile().apply(model, {}, PassContext())
    np.testing.assert_array_equal(model.generate(prompt, 4, temperature=0), expected)
    np.testing.assert_array_equal(model.generate(prompt, 4, temperature=0, use_cache=False), expected)
