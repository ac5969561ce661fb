"""Compile: run the optimized model by replaying its kernels (``tinytorch.core.compile``).

Every other pass changes the arithmetic (fewer bits, fewer weights, a smaller model).
This one changes none of it: the model computes the same numbers, bit for bit, but
each call skips the Python around its kernels (modules, Tensors, autograd), which is
most of the time at batch 1. Put it last, after the passes that change the model:

    passes:
      - {name: distill, student: {name: mlp, hidden: [64]}}
      - {name: compile}

``apply`` replaces the model's ``forward`` with a compiled one (an instance attribute,
so ``state_dict`` and saving are unchanged) and calls it on a test example until it
replays, to report whether it does: a forward that does NumPy work outside the
backend's kernels (a quantized layer) runs eagerly instead, and the report says why.
A profiler that wraps the layers' ``forward`` to time them sees them run eagerly, and
so does a call with options (a GPT's ``cache=``; ``generate`` compiles its cached step).

Read next: ``tinytorch.core.compile``, the recorder and the checks.
"""

import numpy as np

from tinytorch.core import Tensor
from tinytorch.core.compile import compile

from .base import Pass


class CompiledForward:
    """``model.forward`` replaced: replays while no layer's ``forward`` is being watched."""

    def __init__(self, model):
        self.leaves = [m for m in model.modules() if next(m.children(), None) is None and m is not model]
        self.compiled = compile(type(model).forward.__get__(model), state=model)
        self.eager = type(model).forward.__get__(model)

    def __call__(self, *inputs, **options):
        # Options (a KV cache) or a profiler timing the layers: run the class's forward.
        # generate() compiles its own cached step, around this call.
        if options or any("forward" in m.__dict__ for m in self.leaves):
            return self.eager(*inputs, **options)
        return self.compiled(*inputs)


class Compile(Pass):
    """``{name: compile}``: the same model, replayed kernel by kernel."""

    name = "compile"

    def apply(self, model, options, context):
        self.options(options)
        model.eval()
        forward = model.forward = CompiledForward(model)
        example = self._example(context)
        if example is not None:
            for _ in range(3):  # two calls record, the third replays
                forward(example)
        programs = list(forward.compiled.programs.values())
        context.report.update(replays=bool(programs), kernels=len(programs[0].steps) if programs else 0,
                              eager_because=forward.compiled.reason)
        return model

    @staticmethod
    def _example(context):
        if context.test_loader is None:
            return None
        x, _ = next(iter(context.test_loader))
        data = x.data[:1]
        return data if data.dtype.kind in "iu" else Tensor(np.ascontiguousarray(data))
