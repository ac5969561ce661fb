"""The ``naive`` backend: every kernel that hides a loop spells the loop out.

Read this before ``tinytorch.core.vectorized``. Matrix multiplication is three nested
loops; a convolution walks every output position and every kernel offset; pooling walks
every window; softmax walks every row; attention walks every query. Each backward sits
right under its forward and walks the same loops, sending each piece of the gradient
back to where the forward took the value from. The fast backends compute exactly these
numbers, only with the loops pushed down into C.

Two concessions keep the tests usable:

* Elementwise maths (``exp``, ``add``, ...) and reductions (``sum``, ``max``, ...) are
  plain NumPy calls. A Python loop over every element teaches nothing that the formula
  does not already say, and would make even a tiny model take minutes.
* Inside the loops, one small step (a dot product over channels, a row's ``max``) may
  be a NumPy expression; the loops that define the operation are always written out.

Slow by design: use it on small shapes, to read and to check the other backends.

Read next: ``tinytorch.core.vectorized`` (the same kernels with the loops gone).
"""

import math

import numpy as np

from tinytorch.core import Backend
from tinytorch.core.backend import attention_mask, pad2d


def _index_add(shape, index, values):
    # ufunc.at adds repeated indices up (a plain ``out[index] += values`` would not).
    out = np.zeros(shape, dtype=values.dtype)
    np.add.at(out, index, values)
    return out


def _sigmoid(x):
    # exp(-x) overflows for very negative x; the tanh form is stable everywhere.
    return (0.5 * (np.tanh(0.5 * x) + 1)).astype(x.dtype, copy=False)


def _matmul_2d(a, b):
    """(n, inner) @ (inner, m) as three loops: out[i, j] = sum over k of a[i, k] * b[k, j]."""
    n, inner = a.shape
    m = b.shape[1]
    out = np.zeros((n, m), dtype=np.result_type(a, b))
    a_list, b_list = a.tolist(), b.tolist()  # element access on lists is ~10x cheaper than on arrays
    # region 16 acceleration: three loops: out[i, j] = sum over k of a[i][k] * b[k][j]
    for i in range(n):
        for j in range(m):
            total = 0.0
            for k in range(inner):
                total += a_list[i][k] * b_list[k][j]
            out[i, j] = total
    # endregion
    return out


def _softmax_row(row):
    """exp(row) / sum(exp(row)), shifted by the max first so exp cannot overflow."""
    e = np.exp(row - row.max())
    return e / e.sum()


def _softmax_row_backward(g, y):
    # d softmax_i / d x_j = y_i (delta_ij - y_j), so grad_x = y * (g - <g, y>).
    return y * (g - np.dot(g, y))


class NaiveBackend(Backend):
    name = "naive"

    # -- elementwise and reductions: NumPy ufuncs (see the module docstring) ----
    neg, exp, log, sqrt = (staticmethod(f) for f in (np.negative, np.exp, np.log, np.sqrt))
    abs, tanh, sign = (staticmethod(f) for f in (np.abs, np.tanh, np.sign))
    sigmoid = staticmethod(_sigmoid)
    add, sub, mul, div = (staticmethod(f) for f in (np.add, np.subtract, np.multiply, np.divide))
    pow, maximum, minimum = (staticmethod(f) for f in (np.power, np.maximum, np.minimum))
    eq, ne, lt, le = (staticmethod(f) for f in (np.equal, np.not_equal, np.less, np.less_equal))
    gt, ge, where = (staticmethod(f) for f in (np.greater, np.greater_equal, np.where))
    argmax, index_add = staticmethod(np.argmax), staticmethod(_index_add)

    @staticmethod
    def relu(x):
        return np.maximum(x, 0, dtype=x.dtype)

    @staticmethod
    def sum(x, axis=None, keepdims=False):
        return np.sum(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def max(x, axis=None, keepdims=False):
        return np.max(x, axis=axis, keepdims=keepdims)

    @staticmethod
    def min(x, axis=None, keepdims=False):
        return np.min(x, axis=axis, keepdims=keepdims)

    # -- matmul: NumPy's rules, one 2-D triple loop per batch entry --------------
    @staticmethod
    def matmul(a, b):
        """``a @ b`` with NumPy's rules: 1-D operands are promoted to matrices (and the
        added axis dropped again), leading "batch" axes broadcast against each other."""
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if a2.shape[-1] != b2.shape[-2]:
            raise ValueError(f"matmul: inner sizes differ: {a.shape} @ {b.shape}")
        batch = np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
        a2 = np.broadcast_to(a2, batch + a2.shape[-2:])
        b2 = np.broadcast_to(b2, batch + b2.shape[-2:])
        out = np.zeros(batch + (a2.shape[-2], b2.shape[-1]), dtype=np.result_type(a, b))
        for index in np.ndindex(*batch):
            out[index] = _matmul_2d(a2[index], b2[index])
        if a.ndim == 1:
            out = out[..., 0, :]
        if b.ndim == 1:
            out = out[..., 0]
        return out

    # -- conv2d: loops over output positions and kernel offsets -----------------
    def conv2d(self, x, w, b=None, stride=1, padding=0, activation=None, needs=None):
        """out[n, f, y, x] = b[f] + sum over c, i, j of xpad[n, c, y*s + i, x*s + j] * w[f, c, i, j]."""
        f, c, kh, kw = w.shape
        xp = pad2d(x, padding)
        oh, ow = (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
        z = np.zeros((x.shape[0], f, oh, ow), dtype=np.result_type(x, w))
        # region 16 acceleration: for each output position and kernel offset: (N, C) @ (C, F) into z[:, :, oy, ox]
        for oy in range(oh):
            for ox in range(ow):
                for i in range(kh):
                    for j in range(kw):
                        # Every image at once: its channel vector here, dotted with each
                        # filter's channel vector at offset (i, j): (N, C) @ (C, F).
                        z[:, :, oy, ox] += xp[:, :, oy * stride + i, ox * stride + j] @ w[:, :, i, j].T
        # endregion
        if b is not None:
            z += b.reshape(-1, 1, 1)
        out, act_ctx = self._activate(z, activation)
        return out, (xp, w, x.shape, stride, padding, b is not None, activation, act_ctx)

    def conv2d_backward(self, g, ctx, needs=(True, True, True)):
        xp, w, x_shape, stride, padding, has_bias, activation, act_ctx = ctx
        g = self._activate_backward(g, activation, act_ctx)
        kh, kw = w.shape[2:]
        dtype = np.result_type(g, w)
        gxp, gw = np.zeros(xp.shape, dtype), np.zeros(w.shape, dtype)
        # The same loops as the forward; each product sends gradient to both its factors.
        for oy in range(g.shape[2]):
            for ox in range(g.shape[3]):
                for i in range(kh):
                    for j in range(kw):
                        y, x = oy * stride + i, ox * stride + j
                        gxp[:, :, y, x] += g[:, :, oy, ox] @ w[:, :, i, j]
                        gw[:, :, i, j] += g[:, :, oy, ox].T @ xp[:, :, y, x]
        h, wd = x_shape[2:]
        gx = gxp[:, :, padding:padding + h, padding:padding + wd] if needs[0] else None
        gb = g.sum(axis=(0, 2, 3)) if has_bias and needs[2] else None
        return gx, gw if needs[1] else None, gb

    # -- pooling: one window at a time ------------------------------------------
    def max_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        k, s = kernel_size, stride or kernel_size
        n, c, h, w = x.shape
        out = np.empty((n, c, (h - k) // s + 1, (w - k) // s + 1), dtype=x.dtype)
        winner = np.empty(out.shape + (2,), dtype=np.int64)  # (row, col) in x of each max
        for image, channel, oy, ox in np.ndindex(*out.shape):
            window = x[image, channel, oy * s:oy * s + k, ox * s:ox * s + k]
            i, j = divmod(int(window.argmax()), k)  # the first max wins a tie
            out[image, channel, oy, ox] = window[i, j]
            winner[image, channel, oy, ox] = oy * s + i, ox * s + j
        return out, (winner, x.shape)

    def max_pool2d_backward(self, g, ctx, needs=(True,)):
        winner, x_shape = ctx
        gx = np.zeros(x_shape, dtype=g.dtype)
        for image, channel, oy, ox in np.ndindex(*g.shape):
            row, col = winner[image, channel, oy, ox]
            gx[image, channel, row, col] += g[image, channel, oy, ox]  # only the max moved the output
        return (gx,)

    def avg_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        k, s = kernel_size, stride or kernel_size
        n, c, h, w = x.shape
        out = np.empty((n, c, (h - k) // s + 1, (w - k) // s + 1), dtype=x.dtype)
        for image, channel, oy, ox in np.ndindex(*out.shape):
            out[image, channel, oy, ox] = x[image, channel, oy * s:oy * s + k, ox * s:ox * s + k].sum() / (k * k)
        return out, (x.shape, k, s)

    def avg_pool2d_backward(self, g, ctx, needs=(True,)):
        x_shape, k, s = ctx
        gx = np.zeros(x_shape, dtype=g.dtype)
        for image, channel, oy, ox in np.ndindex(*g.shape):
            # Every input in the window moved the mean by 1/k^2 of its own change.
            gx[image, channel, oy * s:oy * s + k, ox * s:ox * s + k] += g[image, channel, oy, ox] / (k * k)
        return (gx,)

    # -- softmax: one row at a time ---------------------------------------------
    def softmax(self, x, axis=-1, needs=None):
        rows = np.moveaxis(x, axis, -1)
        out = np.empty(rows.shape, dtype=x.dtype)
        for index in np.ndindex(*rows.shape[:-1]):
            out[index] = _softmax_row(rows[index])
        out = np.ascontiguousarray(np.moveaxis(out, -1, axis))
        return out, (out, axis)

    def softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        g_rows, y_rows = np.moveaxis(g, axis, -1), np.moveaxis(out, axis, -1)
        gx = np.empty(y_rows.shape, dtype=np.result_type(g, out))
        for index in np.ndindex(*y_rows.shape[:-1]):
            gx[index] = _softmax_row_backward(g_rows[index], y_rows[index])
        return (np.ascontiguousarray(np.moveaxis(gx, -1, axis)),)

    # -- attention: one query at a time -----------------------------------------
    def scaled_dot_product_attention(self, q, k, v, mask=None, is_causal=False, needs=None):
        """For each query: scores against every key, softmax over the allowed keys, and
        the output is the weighted average of the values. ``mask`` and ``is_causal`` mean
        what they mean in ``Backend.scaled_dot_product_attention``."""
        scale = 1.0 / math.sqrt(q.shape[-1])
        tq, tk = q.shape[-2], k.shape[-2]
        allowed = attention_mask(mask, is_causal, tq, tk)
        allowed = np.ones((tq, tk), dtype=bool) if allowed is None else allowed
        batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2], allowed.shape[:-2])
        q, k, v = (np.broadcast_to(t, batch + t.shape[-2:]) for t in (q, k, v))
        allowed = np.broadcast_to(allowed, batch + (tq, tk))
        dtype = np.result_type(q, k, v)
        out = np.empty(batch + (tq, v.shape[-1]), dtype=dtype)
        attn = np.empty(batch + (tq, tk), dtype=dtype)
        for index in np.ndindex(*batch):
            for i in range(tq):
                scores = (k[index] @ q[index][i]) * scale  # this query against every key
                scores = np.where(allowed[index][i], scores, -np.inf)  # exp(-inf) = 0
                attn[index][i] = _softmax_row(scores)
                out[index][i] = attn[index][i] @ v[index]
        return out, (q, k, v, attn, scale)

    def scaled_dot_product_attention_backward(self, g, ctx, needs=(True, True, True)):
        q, k, v, attn, scale = ctx
        dtype = np.result_type(g, q)
        gq, gk, gv = (np.zeros(t.shape, dtype=dtype) for t in (q, k, v))
        for index in np.ndindex(*q.shape[:-2]):
            for i in range(q.shape[-2]):
                weights, g_i = attn[index][i], g[index][i]
                gv[index] += np.outer(weights, g_i)  # each value was weighted by weights[j]
                gscores = _softmax_row_backward(v[index] @ g_i, weights) * scale
                gq[index][i] = gscores @ k[index]
                gk[index] += np.outer(gscores, q[index][i])
        return tuple(grad if need else None for grad, need in zip((gq, gk, gv), needs, strict=True))
