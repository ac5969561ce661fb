"""The backend contract: the kernels every ``Tensor`` op ends in, and how to pick them.

A backend is a plain object whose methods take and return NumPy arrays. Autograd never
changes between backends; only these kernels do (minitorch's split).

* **Primitive kernels** (``PRIMITIVES``) must be written by every backend: elementwise
  maths with NumPy broadcasting, reductions, ``matmul`` and ``index_add``.
* **Composite kernels** (``COMPOSITES``) have default implementations below, built only
  from primitives and NumPy's view-making functions. Each is a pair,
  ``name(..., needs=None) -> (out, ctx)`` and ``name_backward(grad, ctx, needs) ->
  grads``. ``needs`` is a tuple of one bool per tensor input, saying which want a
  gradient; ``tinytorch.core.functional`` passes it to the forward too, *before* it
  runs. When no input needs one (inference, ``no_grad()``), no backward will be called
  and the forward may return ``ctx=None`` and reuse its temporaries; ``needs=None``
  (a direct call, as the conformance suite makes) means "a backward may follow". That
  is all a backend may know about autograd: it never reads autograd's global switch.
  A backend may override any pair to be faster, and every model picks that up, because
  ``nn`` layers call these through ``tinytorch.core.functional``.
* **Data-movement kernels** (``MOVES``) have defaults that every backend inherits:
  ``take(x, index)`` is ``x[index]`` (a view for slices, a copy for integer arrays: an
  embedding lookup), ``reshape(x, shape)`` (a view when the layout allows, else a copy)
  and ``copyto(dst, src)``, the one kernel that writes into an argument (``dst`` belongs
  to the caller, e.g. a KV cache). ``Tensor`` routes these through the backend so that
  compiled execution (``compile.py``) sees every array the forward makes.

Kernels must not modify their inputs in place: the same gradient array may flow to
several parents. ``pad2d``, ``window_view``, ``scatter_windows`` and ``attention_mask`` are
public helpers for backend authors.

The default backend is chosen in one place, ``default_backend_name()``:
``TINYTORCH_BACKEND`` when set, else ``vectorized``.

Read next: ``vectorized.py`` (the built-in backend), then ``functional.py``.
"""

import math
import os

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from . import plugins

PRIMITIVES = (
    "neg", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "sign",
    "add", "sub", "mul", "div", "pow", "maximum", "minimum",
    "eq", "ne", "lt", "le", "gt", "ge", "where",
    "sum", "max", "min", "argmax", "matmul", "index_add",
)
COMPOSITES = (
    "linear", "conv2d", "max_pool2d", "avg_pool2d", "softmax", "log_softmax",
    "cross_entropy", "layer_norm", "gelu", "scaled_dot_product_attention",
)
MOVES = ("take", "reshape", "copyto")


class MissingKernelError(NotImplementedError):
    """A backend was asked for a kernel it does not implement."""


def _missing(kernel):
    def method(self, *args, **kwargs):
        raise MissingKernelError(
            f"backend {self.name!r} does not implement the kernel {kernel!r}; "
            f"implement it, or choose another backend"
        )

    method.__name__ = kernel
    return method


def pad2d(x, padding):
    if not padding:
        return x
    return np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))


def window_view(x, kh, kw, stride):
    """(N, C, H, W) -> a view (N, C, OH, OW, kh, kw) of every kernel-sized window."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def scatter_windows(grad_windows, shape, stride):
    """The adjoint of ``window_view``: add each window's gradient back where it came from."""
    n, c, oh, ow, kh, kw = grad_windows.shape
    out = np.zeros(shape, dtype=grad_windows.dtype)
    # region 09 spatial: loop over the small kernel: add each window position's gradient into its strided slice
    for i in range(kh):  # a loop over the small kernel, never over the data
        for j in range(kw):
            out[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += grad_windows[:, :, :, :, i, j]
    # endregion
    return out


GELU_C = math.sqrt(2.0 / math.pi)


class Backend:
    """Base class: primitive stubs that name what is missing, composite defaults."""

    name = "base"

    for _kernel in PRIMITIVES:
        locals()[_kernel] = _missing(_kernel)
    del _kernel

    def __repr__(self):
        return f"<backend {self.name!r}>"

    # -- data movement: views where NumPy can, copies where it must --------------
    @staticmethod
    def take(x, index):
        return x[index]

    @staticmethod
    def reshape(x, shape):
        return x.reshape(shape)

    @staticmethod
    def copyto(dst, src):
        np.copyto(dst, src)

    # -- linear: y = act(x @ w.T + b) ------------------------------------------
    def linear(self, x, w, b=None, activation=None, needs=None):
        # Fold batch dimensions into rows: one 2-D GEMM is much faster than a batched one.
        # region 03 layers: one 2-D GEMM: x folded to (rows, in) times w.T, plus the bias, then the activation
        z = self.matmul(x.reshape(-1, x.shape[-1]), w.T)
        if b is not None:
            z = self.add(z, b)
        out, act_ctx = self._activate(z.reshape(x.shape[:-1] + (w.shape[0],)), activation)
        # endregion
        return out, (x, w, b is not None, activation, act_ctx)

    def linear_backward(self, g, ctx, needs=(True, True, True)):
        x, w, has_bias, activation, act_ctx = ctx
        g = self._activate_backward(g, activation, act_ctx)
        # region 03 layers: y = x w^T + b: gx = g w, gw = g^T x, gb = g summed over rows
        g2 = g.reshape(-1, g.shape[-1])
        gx = self.matmul(g2, w).reshape(x.shape) if needs[0] else None
        gw = self.matmul(g2.T, x.reshape(-1, x.shape[-1])) if needs[1] else None
        gb = self.sum(g2, axis=0) if has_bias and needs[2] else None
        # endregion
        return gx, gw, gb

    def _activate(self, z, activation):
        if activation is None:
            return z, None
        if activation == "relu":
            out = self.relu(z)
            return out, out
        if activation == "gelu":
            return self.gelu(z)
        raise ValueError(f"unknown activation {activation!r}; expected None, 'relu' or 'gelu'")

    def _activate_backward(self, g, activation, act_ctx):
        if activation == "relu":
            return self.mul(g, self.gt(act_ctx, 0))
        if activation == "gelu":
            return self.gelu_backward(g, act_ctx)[0]
        return g

    # -- conv2d by im2col: every window becomes a row, then one matmul ---------
    def conv2d(self, x, w, b=None, stride=1, padding=0, activation=None, needs=None):
        # region 09 spatial: im2col: every window becomes a row of (C*kh*kw); then one matmul with the flattened filters
        f, c, kh, kw = w.shape
        xp = pad2d(x, padding)
        cols = window_view(xp, kh, kw, stride).transpose(0, 2, 3, 1, 4, 5)  # N, OH, OW, C, kh, kw
        n, oh, ow = cols.shape[:3]
        cols = np.ascontiguousarray(cols).reshape(n * oh * ow, c * kh * kw)
        z = self.matmul(cols, w.reshape(f, -1).T)
        # endregion
        if b is not None:
            z = self.add(z, b)
        z = z.reshape(n, oh, ow, f).transpose(0, 3, 1, 2)
        out, act_ctx = self._activate(z, activation)
        return out, (cols, w, xp.shape, x.shape, stride, padding, b is not None, activation, act_ctx)

    def conv2d_backward(self, g, ctx, needs=(True, True, True)):
        cols, w, padded_shape, x_shape, stride, padding, has_bias, activation, act_ctx = ctx
        g = self._activate_backward(g, activation, act_ctx)
        f, c, kh, kw = w.shape
        n, _, oh, ow = g.shape
        g2 = g.transpose(0, 2, 3, 1).reshape(-1, f)
        gw = self.matmul(g2.T, cols).reshape(w.shape) if needs[1] else None
        gb = self.sum(g2, axis=0) if has_bias and needs[2] else None
        gx = None
        if needs[0]:
            gcols = self.matmul(g2, w.reshape(f, -1)).reshape(n, oh, ow, c, kh, kw)
            gx = scatter_windows(gcols.transpose(0, 3, 1, 2, 4, 5), padded_shape, stride)
            if padding:
                gx = gx[:, :, padding:-padding, padding:-padding]
        return gx, gw, gb

    # -- pooling ---------------------------------------------------------------
    def max_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        stride = stride or kernel_size
        win = window_view(x, kernel_size, kernel_size, stride)
        flat = win.reshape(win.shape[:4] + (-1,))
        arg = self.argmax(flat, axis=-1)
        out = np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        return out, (arg, x.shape, win.shape, stride)

    def max_pool2d_backward(self, g, ctx, needs=(True,)):
        arg, x_shape, win_shape, stride = ctx
        onehot = np.zeros(win_shape[:4] + (win_shape[4] * win_shape[5],), dtype=g.dtype)
        np.put_along_axis(onehot, arg[..., None], g[..., None], axis=-1)
        return (scatter_windows(onehot.reshape(win_shape), x_shape, stride),)

    def avg_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        stride = stride or kernel_size
        win = window_view(x, kernel_size, kernel_size, stride)
        out = self.div(self.sum(win, axis=(4, 5)), kernel_size * kernel_size)
        return out, (x.shape, win.shape, stride)

    def avg_pool2d_backward(self, g, ctx, needs=(True,)):
        x_shape, win_shape, stride = ctx
        share = self.div(g, win_shape[4] * win_shape[5])[..., None, None]
        return (scatter_windows(np.broadcast_to(share, win_shape), x_shape, stride),)

    # -- softmax family ----------------------------------------------------------
    def softmax(self, x, axis=-1, needs=None):
        # region 02 activations: subtract the max along axis (no overflow), exponentiate, divide by the sum
        e = self.exp(self.sub(x, self.max(x, axis=axis, keepdims=True)))
        out = self.div(e, self.sum(e, axis=axis, keepdims=True))
        # endregion
        return out, (out, axis)

    def softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        # region 02 activations: softmax's Jacobian-vector product: out * (g - sum(g * out))
        dot = self.sum(self.mul(g, out), axis=axis, keepdims=True)
        return (self.mul(out, self.sub(g, dot)),)
        # endregion

    def log_softmax(self, x, axis=-1, needs=None):
        z = self.sub(x, self.max(x, axis=axis, keepdims=True))
        out = self.sub(z, self.log(self.sum(self.exp(z), axis=axis, keepdims=True)))
        return out, (out, axis)

    def log_softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        return (self.sub(g, self.mul(self.exp(out), self.sum(g, axis=axis, keepdims=True))),)

    def cross_entropy(self, logits, targets, needs=None):
        """Mean negative log-likelihood of integer ``targets`` (N,) under ``logits`` (N, C)."""
        # region 04 losses: log_softmax, pick each row's target log-probability, negate the mean
        logp, _ = self.log_softmax(logits, axis=-1)
        rows = np.arange(len(targets))
        loss = self.neg(self.div(self.sum(logp[rows, targets]), max(len(targets), 1)))
        # endregion
        return loss, (logp, targets)

    def cross_entropy_backward(self, g, ctx, needs=(True,)):
        logp, targets = ctx
        # region 04 losses: the gradient is (softmax - onehot(targets)) / N, times g
        onehot = np.zeros_like(logp)
        onehot[np.arange(len(targets)), targets] = 1
        grad = self.sub(self.exp(logp), onehot)
        return (self.mul(grad, self.div(g, max(len(targets), 1))),)
        # endregion

    # -- layer norm over the last axis ------------------------------------------
    def layer_norm(self, x, weight=None, bias=None, eps=1e-5, needs=None):
        mean = self.div(self.sum(x, axis=-1, keepdims=True), x.shape[-1])
        centered = self.sub(x, mean)
        var = self.div(self.sum(self.mul(centered, centered), axis=-1, keepdims=True), x.shape[-1])
        rstd = self.div(1, self.sqrt(self.add(var, eps)))
        xhat = self.mul(centered, rstd)
        out = xhat
        if weight is not None:
            out = self.mul(out, weight)
        if bias is not None:
            out = self.add(out, bias)
        return out, (xhat, rstd, weight, bias is not None)

    def layer_norm_backward(self, g, ctx, needs=(True, True, True)):
        xhat, rstd, weight, has_bias = ctx
        lead = tuple(range(g.ndim - 1))
        gw = self.sum(self.mul(g, xhat), axis=lead) if weight is not None and needs[1] else None
        gb = self.sum(g, axis=lead) if has_bias and needs[2] else None
        gx = None
        if needs[0]:
            gxhat = self.mul(g, weight) if weight is not None else g
            d = xhat.shape[-1]
            mean_g = self.div(self.sum(gxhat, axis=-1, keepdims=True), d)
            mean_gx = self.div(self.sum(self.mul(gxhat, xhat), axis=-1, keepdims=True), d)
            gx = self.mul(rstd, self.sub(self.sub(gxhat, mean_g), self.mul(xhat, mean_gx)))
        return gx, gw, gb

    # -- GELU, tanh approximation (PyTorch's approximate="tanh") ----------------
    def gelu(self, x, needs=None):
        inner = self.mul(self.add(x, self.mul(0.044715, self.mul(x, self.mul(x, x)))), GELU_C)
        t = self.tanh(inner)
        return self.mul(self.mul(0.5, x), self.add(1, t)), (x, t)

    def gelu_backward(self, g, ctx, needs=(True,)):
        x, t = ctx
        dinner = self.mul(GELU_C, self.add(1, self.mul(3 * 0.044715, self.mul(x, x))))
        local = self.add(self.mul(0.5, self.add(1, t)), self.mul(self.mul(0.5, x), self.mul(self.sub(1, self.mul(t, t)), dinner)))
        return (self.mul(g, local),)

    # -- attention -----------------------------------------------------------------
    def scaled_dot_product_attention(self, q, k, v, mask=None, is_causal=False, needs=None):
        """softmax(q k^T / sqrt(d)) v. ``mask`` is boolean, True where attending is allowed.

        With ``is_causal``, query i may see key j when j <= i + (Tk - Tq): the queries
        are the last Tq positions, which is what a KV cache needs.
        """
        # region 12 attention: scores = q k^T / sqrt(d); -inf where not allowed; softmax over keys; times v
        scale = 1.0 / math.sqrt(q.shape[-1])
        # A contiguous k^T makes NumPy's batched matmul 2-3x faster than a transposed view.
        scores = self.mul(self.matmul(q, np.ascontiguousarray(k.swapaxes(-1, -2))), scale)
        allowed = attention_mask(mask, is_causal, q.shape[-2], k.shape[-2])
        if allowed is not None:
            scores = self.where(allowed, scores, np.asarray(-np.inf, scores.dtype))
        attn, _ = self.softmax(scores, axis=-1)
        return self.matmul(attn, v), (q, k, v, attn, scale)
        # endregion

    def scaled_dot_product_attention_backward(self, g, ctx, needs=(True, True, True)):
        q, k, v, attn, scale = ctx
        gv = self.matmul(attn.swapaxes(-1, -2), g) if needs[2] else None
        gattn = self.matmul(g, v.swapaxes(-1, -2))
        gscores = self.mul(self.softmax_backward(gattn, (attn, -1))[0], scale)
        gq = self.matmul(gscores, k) if needs[0] else None
        gk = self.matmul(gscores.swapaxes(-1, -2), q) if needs[1] else None
        return gq, gk, gv


def attention_mask(mask, is_causal, tq, tk):
    allowed = None if mask is None else np.asarray(mask, dtype=bool)
    if is_causal:
        # region 12 attention: query i sees key j when j <= i + (Tk - Tq): a lower triangle shifted for a KV cache
        causal = np.tril(np.ones((tq, tk), dtype=bool), k=tk - tq)
        # endregion
        allowed = causal if allowed is None else allowed & causal
    return allowed


# ---------------------------------------------------------------------- choosing one
class _Unresolved:
    """Stands in for the active backend until the first op, so importing is cheap."""

    def __getattr__(self, kernel):
        return getattr(get_backend(), kernel)


def environment_backend():
    """The backend ``TINYTORCH_BACKEND`` names, or None: the one place that reads it."""
    return os.environ.get("TINYTORCH_BACKEND") or None


def default_backend_name():
    """The backend used when nothing chose one: ``TINYTORCH_BACKEND``, else ``vectorized``."""
    return environment_backend() or "vectorized"


active = _Unresolved()
_instances = {}


def _activate(backend):
    global active
    active = backend


def get_backend(name=None):
    """The backend registered as ``name`` (the active one when ``name`` is None)."""
    if name is None:
        if isinstance(active, _Unresolved):
            _activate(get_backend(default_backend_name()))
        return active
    if name not in _instances:
        found = plugins.lookup("backends", name)
        backend = found() if isinstance(found, type) else found
        if not isinstance(backend, Backend):
            raise TypeError(f"backend {name!r} is a {type(backend).__name__}, not a tinytorch.core.Backend")
        backend.name = name
        _instances[name] = backend
    return _instances[name]


class use_backend:
    """Switch the active backend: ``use_backend("fused")`` or ``with use_backend("naive"):``."""

    def __init__(self, name):
        self._previous = active
        _activate(get_backend(name))
        self.backend = active

    def __enter__(self):
        return self.backend

    def __exit__(self, *exc):
        _activate(self._previous)
