"""Optimization passes: turn a trained model into a smaller or faster one.

A config lists them under ``passes:``; they run in order after training:

    passes:
      - {name: prune, sparsity: 0.5, structured: true, finetune_epochs: 2}
      - {name: quantize}

The five built-ins are ``quantize`` (int8 weights and integer matmuls), ``prune``
(magnitude pruning, unstructured or whole units), ``distill`` (train a smaller student
from the teacher), ``kv-cache`` (cached generation for GPT) and ``compile`` (replay the
model's kernels without the Python around them). Each is a class
registered through the ``tinytorch_register_passes`` hook below; this module is listed
under the ``tinytorch`` entry-point group in tinytorch-optim's pyproject.toml, so the
built-ins load exactly as a third party's pass would.

``validate_passes`` checks every pass's options against the model before training;
``apply_passes`` runs them.

Read in this order: ``base.py`` (the contract), ``quantize.py``, ``prune.py``,
``distill.py``, ``kv_cache.py``, ``compile.py``.
"""

from tinytorch.core import hookimpl, plugins

from .base import Pass, PassContext
from .compile import Compile
from .distill import Distill, distillation_loss
from .kv_cache import CachedDecoding
from .prune import Prune
from .quantize import Quantize, QuantizedConv2d, QuantizedLinear, quantize

__all__ = [
    "CachedDecoding", "Compile", "Distill", "Pass", "PassContext", "Prune", "Quantize", "QuantizedConv2d",
    "QuantizedLinear", "apply_passes", "distillation_loss", "quantize", "validate_passes",
]


@hookimpl
def tinytorch_register_passes(register):
    for cls in (Quantize, Prune, Distill, CachedDecoding, Compile):
        register(cls.name, cls)


def _split(entry):
    """``{name: prune, sparsity: 0.5}`` -> ``("prune", {"sparsity": 0.5})``."""
    return entry["name"], {key: value for key, value in entry.items() if key != "name"}


def validate_passes(pass_configs, model, info):
    """Check each pass's options against ``model`` (built, untrained) before any work.

    Raises ValueError with the pass's place in the list in front of its message
    (``passes.1: prune: sparsity must be ...``). An unknown pass name raises
    ``UnknownNameError`` listing the installed passes.
    """
    for i, entry in enumerate(pass_configs):
        name, options = _split(entry)
        try:
            plugins.lookup("passes", name)().validate(options, model, info)
        except ValueError as error:
            raise ValueError(f"passes.{i}: {error}") from None


def apply_passes(model, pass_configs, context):
    """Run the passes in order and return the optimized model.

    After each pass, ``context.reports`` gains ``{"name": ..., **what it measured}``.
    """
    for entry in pass_configs:
        name, options = _split(entry)
        context.report = {}
        model = plugins.lookup("passes", name)().apply(model, options, context)
        context.reports.append({"name": name, **context.report})
    return model
