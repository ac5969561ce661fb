"""Quantize: store every weight in one byte and multiply in integers.

A float32 weight costs 4 bytes; an int8 costs 1. Symmetric int8 quantization maps each
**output channel** (a row of a Linear weight, one filter of a Conv2d) onto the integers
-127..127 with its own scale:

    scale_c = max|w_c| / 127        q_c = round(w_c / scale_c)        w_c ~ q_c * scale_c

so no weight moves by more than ``scale_c / 2``. One scale per channel instead of one per
layer matters: a channel of small weights keeps its own fine grid instead of sharing the
coarse grid of the layer's largest weight.

Activations are quantized the same way just before each layer: dynamically, with one
scale per example (per token for sequences) measured on the fly, or statically, with one
scale per layer fixed from a few calibration batches. Then the layer runs the active
backend's ``linear``/``conv2d`` kernel on the *integers*, where every product and sum
is exact integer arithmetic (an int32 accumulator; 127 * 127 * fan-in never overflows it),
and rescales once at the end:

    y = (q_x @ q_w.T) * (scale_x * scale_w) + b

Small layers need care with what comes beside the weights. A digits neuron has only 64
one-byte weights; a float32 scale and a float32 bias would add 8 more bytes to them, and
the model would end up near 0.27x of its float32 size instead of 0.25x. So the scales
are float16 (11 significant bits, far finer than the int8 grid; rounded *up*, so no
weight is clipped) and the bias is int8 too, quantized like one more channel, with a
single float16 scale for the whole vector: 3 bytes per neuron beside its weights.

**Exact integer sums on a float BLAS.** NumPy multiplies int32 matrices without BLAS,
an order of magnitude slower than float32. But every partial sum of int8 x int8
products is an integer of size at most ``127 * 127 * fan_in``, and float32 represents
every integer below 2^24 exactly; so for a fan-in up to 1,040 the float32 GEMM gives the
same integers as int32 arithmetic would, at BLAS speed. Wider layers use int32.

**On a GPT** (``tinytorch.text.GPT``) every Linear of the blocks is quantized, and the lm
head unless ``lm_head: false``. With ``embeddings: true`` the token and position tables
are stored in int8 too, one float16 scale per row; a lookup dequantizes only the rows it
reads (``QuantizedRows``). A GPT whose lm head reuses the token table (``tie_weights``)
keeps its embeddings in float32: the head would need the float table every step.

The quantized layers are for inference only: integers carry no gradient, so quantize is
the last pass of a pipeline (prune and fine-tune first).

Read next: ``prune.py``.
"""

import numpy as np

from tinytorch import nn
from tinytorch.core import Tensor, get_backend, no_grad

from .base import Pass, is_int

QMAX = 127  # symmetric: -127..127, so negating a weight never overflows
FLOAT32_EXACT = 2**24  # every integer below this is a float32


def quantize_per_channel(weight):
    """``(q, scale)``: int8 ``q`` shaped like ``weight`` and a float16 scale per output channel (axis 0)."""
    rows = weight.reshape(len(weight), -1).astype(np.float32)
    # region 17 quantization: per output channel: scale = max|w| / 127 (1.0 for an all-zero row), rounded up in float16
    scale = np.abs(rows).max(axis=1) / QMAX
    scale = np.where(scale > 0, scale, 1.0)  # an all-zero channel (a pruned neuron) takes any scale
    scale16 = scale.astype(np.float16)
    # Round the float16 scale up, so that max|w| / scale <= 127 and nothing is clipped.
    low = scale16.astype(np.float32) < scale
    scale16[low] = np.nextafter(scale16[low], np.float16(np.inf))
    # endregion
    q = np.round(rows / scale16.astype(np.float32)[:, None])
    return np.clip(q, -QMAX, QMAX).astype(np.int8).reshape(weight.shape), scale16


def dequantize(q, scale):
    """The float32 weights ``q * scale`` that int8 ``q`` stands for."""
    return q.astype(np.float32) * scale.astype(np.float32).reshape((-1,) + (1,) * (q.ndim - 1))


def quantize_activation(x, axes, scale=None):
    """``(q, scale)``: int8 ``q`` and one scale per slice over ``axes`` (measured now, or ``scale``)."""
    # region 17 quantization: one scale per slice: max|x| / 127 over axes (zero slices get 1); round and clip to int8
    if scale is None:
        scale = np.abs(x).max(axis=axes, keepdims=True).astype(np.float32) / QMAX
        scale[scale == 0] = 1.0
    return np.clip(np.round(x / scale), -QMAX, QMAX).astype(np.int8), scale
    # endregion


class _Quantized(nn.Module):
    """What QuantizedLinear and QuantizedConv2d share: the buffers and the integer forward."""

    def __init__(self, layer, input_scale=None):
        super().__init__()
        q, scale = quantize_per_channel(layer.weight.data)
        self.register_buffer("weight", q)
        self.register_buffer("weight_scale", scale)
        q, scale = (None, None) if layer.bias is None else quantize_per_channel(layer.bias.data[None])
        self.register_buffer("bias", None if q is None else q[0])
        self.register_buffer("bias_scale", scale)
        # A static input scale from calibration, or None to measure one per example.
        self.register_buffer("input_scale", None if input_scale is None else np.float32(input_scale))
        self.activation = layer.activation  # a relu or gelu the float layer had fused in
        self.fan_in = int(np.prod(layer.weight.shape[1:]))  # products summed per output

    def forward(self, x):
        be = get_backend()
        x = x.data if isinstance(x, Tensor) else np.asarray(x, dtype=np.float32)
        static = None if self.input_scale is None else self.input_scale.data
        qx, sx = quantize_activation(x, self.per_example_axes, static)
        # Exact either way (see the module docstring): float32 while no sum can reach 2^24.
        exact = np.float32 if self.fan_in * QMAX * QMAX < FLOAT32_EXACT else np.int32
        acc = self.integer_kernel(be, qx.astype(exact), self.weight.data.astype(exact))
        y = acc * sx * self.per_channel(self.weight_scale.data.astype(np.float32))
        if self.bias is not None:
            y = y + self.per_channel(dequantize(self.bias.data[None], self.bias_scale.data)[0])
        y = y.astype(np.float32)
        if self.activation == "relu":
            y = be.relu(y)
        elif self.activation == "gelu":
            y = be.gelu(y)[0]
        return Tensor(y)


class QuantizedLinear(_Quantized):
    """An int8 ``Linear``: ``weight`` int8 (out, in), ``weight_scale`` float16 (out,), ``bias`` int8 (out,)."""

    per_example_axes = -1  # one scale per row: per example, or per token of a sequence

    def __init__(self, linear, input_scale=None):
        super().__init__(linear, input_scale)
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def integer_kernel(self, be, qx, qw):
        return be.linear(qx, qw)[0]

    def per_channel(self, v):
        return v  # output features are the last axis

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


class QuantizedConv2d(_Quantized):
    """An int8 ``Conv2d``: ``weight`` int8 (F, C, kh, kw), ``weight_scale`` float16 (F,), ``bias`` int8 (F,)."""

    per_example_axes = (1, 2, 3)  # one scale per image

    def __init__(self, conv, input_scale=None):
        super().__init__(conv, input_scale)
        self.in_channels, self.out_channels = conv.in_channels, conv.out_channels
        self.kernel_size, self.stride, self.padding = conv.kernel_size, conv.stride, conv.padding

    def integer_kernel(self, be, qx, qw):
        return be.conv2d(qx, qw, None, self.stride, self.padding)[0]

    def per_channel(self, v):
        return v.reshape(-1, 1, 1)  # output channels are axis 1 of (N, F, OH, OW)

    def extra_repr(self):
        return f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, int8"


QUANTIZED = {nn.Linear: QuantizedLinear, nn.Conv2d: QuantizedConv2d}


class QuantizedRows:
    """Stands in for an embedding table's ``weight``: indexing it dequantizes just those rows.

    The module keeps ``weight_int8`` (int8, one row per token or position) and
    ``weight_scale`` (float16, one per row) as buffers, so its state dict is the int8 table.
    """

    def __init__(self, module):
        self.module = module

    @property
    def shape(self):
        return self.module.weight_int8.shape

    dtype = np.dtype(np.float32)  # what a lookup returns

    def __getitem__(self, index):
        rows = self.module.weight_int8.data[index].astype(np.float32)
        return Tensor(rows * self.module.weight_scale.data[index].astype(np.float32)[..., None])


def is_table(module):
    """An embedding table: a leaf whose only state is a 2-D ``weight`` it looks rows up in."""
    return type(module).__name__ in ("Embedding", "PositionalEmbedding") and list(module.state_dict()) == ["weight"]


def quantize_table(module):
    """Store ``module``'s table in int8 with a float16 scale per row, in place."""
    q, scale = quantize_per_channel(module.weight.data)
    del module.weight
    module.register_buffer("weight_int8", q)
    module.register_buffer("weight_scale", scale)
    module.weight = QuantizedRows(module)  # not a tensor: a plain attribute, outside the state dict


def quantize(model, calibration=None, skip=(), embeddings=False):
    """Replace every Linear and Conv2d in ``model`` by its int8 version, in place; return ``model``.

    ``calibration``: input batches. Given, each layer gets a static input scale (the
    largest |input| it sees over them, over 127); otherwise each example gets its own.
    ``skip``: names of layers to leave in float32 (``"lm_head"``). ``embeddings``: store
    embedding tables in int8 as well.
    """
    if embeddings:
        for module in [m for m in model.modules() if is_table(m)]:
            quantize_table(module)
    targets = [(name, m) for name, m in model.named_modules() if type(m) in QUANTIZED and name not in skip]
    scales = _calibrate(model, dict(targets), calibration) if calibration is not None else {}
    for name, module in targets:
        replace_module(model, name, QUANTIZED[type(module)](module, scales.get(name)))
    return model


def _calibrate(model, layers, batches):
    """``{layer name: largest |input| over batches / 127}`` for each of ``layers``."""
    seen = dict.fromkeys(layers, 0.0)
    for name, layer in layers.items():
        def watch(x, name=name, forward=layer.forward):
            seen[name] = max(seen[name], float(np.abs(x.data).max()))
            return forward(x)

        layer.forward = watch  # an instance attribute shadows the method while we watch
    was_training = model.training
    try:
        model.eval()
        with no_grad():
            for x in batches:
                model(x)
    finally:
        model.train(was_training)
        for layer in layers.values():
            del layer.__dict__["forward"]
    return {name: (value / QMAX if value > 0 else 1.0) for name, value in seen.items()}


def replace_module(model, dotted, new):
    """Put ``new`` where the sub-module named ``dotted`` (``"3"``, ``"blocks.0.fc"``) is."""
    *path, last = dotted.split(".")
    parent = model
    for part in path:
        parent = getattr(parent, part)
    setattr(parent, last, new)


class Quantize(Pass):
    """``{name: quantize, activations: dynamic | static, calibration_batches: 8, embeddings: false,
    lm_head: true}``; int8 only."""

    name = "quantize"
    defaults = {"bits": 8, "activations": "dynamic", "calibration_batches": 8, "embeddings": False,
                "lm_head": True}

    def validate(self, options, model, info):
        o = self.options(options)
        self.expect(o["bits"] == 8, "bits", "8 (int8 is what is implemented)", o["bits"])
        self.expect(o["activations"] in ("dynamic", "static"), "activations",
                    "'dynamic' (a scale per example, measured as it runs) or 'static' "
                    "(a scale per layer, from calibration batches)", o["activations"])
        batches = o["calibration_batches"]
        self.expect(is_int(batches) and batches > 0, "calibration_batches", "a positive integer", batches)
        if not any(type(m) in QUANTIZED for m in model.modules()):
            raise ValueError(f"quantize: {type(model).__name__} has no Linear or Conv2d layer to quantize")
        for key in ("embeddings", "lm_head"):
            self.expect(isinstance(o[key], bool), key, "true or false", o[key])
        if o["embeddings"] and not any(is_table(m) for m in model.modules()):
            raise ValueError(f"quantize: embeddings: true, but {type(model).__name__} has no embedding table")
        if o["embeddings"] and hasattr(model, "lm_head") and model.lm_head is None:
            raise ValueError("quantize: embeddings: true needs an lm head of its own, but this GPT ties it to "
                             "the token table (tie_weights: true); use embeddings: false")
        if not o["lm_head"] and not isinstance(getattr(model, "lm_head", None), nn.Linear):
            raise ValueError(f"quantize: lm_head: false keeps a GPT's lm head in float32, but "
                             f"{type(model).__name__} has no Linear lm_head; remove the option")

    def apply(self, model, options, context):
        o = self.options(options)
        layers = sum(type(m) in QUANTIZED for m in model.modules())
        if layers == 0:
            raise ValueError(
                "quantize: no Linear or Conv2d layer is left to quantize; was the model "
                "quantized already? quantize must be the last pass that changes weights"
            )
        calibration = None
        if o["activations"] == "static":
            calibration = [x for _, (x, _) in zip(range(o["calibration_batches"]), context.train_loader)]
        before = sum(a.nbytes for a in model.state_dict().values())
        quantize(model, calibration, skip=() if o["lm_head"] else ("lm_head",), embeddings=o["embeddings"])
        after = sum(a.nbytes for a in model.state_dict().values())
        layers = sum(isinstance(m, _Quantized) for m in model.modules())  # lm_head: false skips one
        context.report.update(layers=layers, bytes_before=before, bytes_after=after)
        return model
