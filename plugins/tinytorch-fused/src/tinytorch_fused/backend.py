"""The ``fused`` backend: the vectorized backend with fewer trips through memory.

On a CPU most kernels outside a matrix multiply are limited by memory traffic, not
arithmetic: ``(x - m) / s`` reads and writes a whole array twice and allocates a
temporary for each step. This backend inherits every kernel of ``vectorized`` and
overrides the composites with versions that

* write each result straight into its final array (``out=``), then finish it in place:
  bias add and ReLU run on the fresh GEMM output instead of allocating two more arrays;
* chain elementwise steps in place on the kernel's own temporaries (softmax, GELU);
* compute what the backward needs once, in the forward, and keep only that
  (cross-entropy keeps the probabilities, so its backward is ``probs - onehot``);
* reuse scratch buffers for temporaries that never leave the kernel (``scratch.py``),
  and, when no graph is being recorded, for what only a backward would have needed.

The one rule that makes the in-place work safe: a kernel writes only into arrays it
created. Inputs, and the incoming gradient (which may be shared with other parents, or
be a read-only broadcast), are never modified; outputs and gradients are always fresh.

Every result equals ``vectorized`` to float32 rounding; the tests check it on the shapes
of the models in this project. ``benchmarks/compare.py`` measures the speed-ups.

Read next: ``scratch.py``; compare each kernel with its default in
``tinytorch.core.backend``.
"""

import math

import numpy as np

from tinytorch.core import is_grad_enabled
from tinytorch.core.backend import GELU_C, attention_mask, pad2d, scatter_windows, window_view
from tinytorch.core.vectorized import VectorizedBackend

from .scratch import Scratch


def _sum(x, axis):
    """``x.sum(axis, keepdims=True)``. Over the last axis it is a matrix-vector product
    with ones: BLAS streams short rows several times faster than ``np.sum`` does."""
    if axis in (-1, x.ndim - 1):
        return (x @ np.ones(x.shape[-1], dtype=x.dtype))[..., None]
    return x.sum(axis=axis, keepdims=True)


def _softmax_into(x, out, axis=-1):
    """Softmax of ``x`` along ``axis`` written into ``out``; ``out`` may be ``x`` itself."""
    np.subtract(x, x.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    total = _sum(out, axis)
    out *= np.reciprocal(total, out=total)
    return out


def _relu_mask(g, out):
    """``g`` where ReLU's ``out`` is positive, else 0: a fresh array, ``g`` left alone."""
    masked = np.greater(out, 0, out=np.empty(out.shape, dtype=np.result_type(g, out)))
    masked *= g
    return masked


def _recorded(ctx, kernel):
    """The ctx of a forward that ran with autograd recording; else a clear error."""
    if ctx is None:
        raise RuntimeError(
            f"{kernel}_backward: its forward ran under no_grad(), so it kept nothing for a "
            f"backward (the fused backend reuses those buffers); run the forward with "
            f"gradients enabled"
        )
    return ctx


class FusedBackend(VectorizedBackend):
    name = "fused"

    def __init__(self):
        self.scratch = Scratch()

    def _buffer(self, slot, shape, dtype):
        """A fresh array while autograd records (the backward may read it later), else
        scratch: with no graph no backward will run, so the kernel's ctx is dropped."""
        if is_grad_enabled():
            return np.empty(shape, dtype=dtype)
        return self.scratch.get(slot, shape, dtype)

    @staticmethod
    def sigmoid(x):
        # vectorized's 0.5 * (tanh(0.5 x) + 1) makes four arrays; here one, finished in place.
        out = np.multiply(x, 0.5, out=np.empty(x.shape, dtype=np.result_type(x, 0.5)))
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
        return out

    # -- linear: one GEMM into the output, bias and ReLU in place ---------------
    def linear(self, x, w, b=None, activation=None):
        x2 = x.reshape(-1, x.shape[-1])
        dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
        z = np.matmul(x2, w.T, out=np.empty((x2.shape[0], w.shape[0]), dtype=dtype))
        if b is not None:
            z += b
        if activation == "relu":
            out = act_ctx = np.maximum(z, 0, out=z)
        else:
            out, act_ctx = self._activate(z, activation)
        return out.reshape(x.shape[:-1] + (w.shape[0],)), (x2, w, b is not None, activation, act_ctx)

    def linear_backward(self, g, ctx, needs=(True, True, True)):
        x2, w, has_bias, activation, act_ctx = ctx
        g2 = g.reshape(-1, g.shape[-1])
        if activation == "relu":
            g2 = _relu_mask(g2, act_ctx)
        elif activation == "gelu":
            g2 = self.gelu_backward(g2, act_ctx)[0]
        gx = np.matmul(g2, w).reshape(g.shape[:-1] + (w.shape[1],)) if needs[0] else None
        gw = np.matmul(g2.T, x2) if needs[1] else None
        gb = g2.sum(axis=0) if has_bias and needs[2] else None
        return gx, gw, gb

    # -- softmax family: one fresh array each way, finished in place -------------
    def softmax(self, x, axis=-1):
        out = _softmax_into(x, np.empty(x.shape, dtype=x.dtype), axis)
        return out, (out, axis)

    def softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        gx = np.multiply(g, out)
        np.subtract(g, _sum(gx, axis), out=gx)
        gx *= out
        return (gx,)

    def log_softmax(self, x, axis=-1):
        out = np.subtract(x, x.max(axis=axis, keepdims=True))
        e = np.exp(out, out=self.scratch.get("exp", out.shape, out.dtype))
        out -= np.log(_sum(e, axis))
        return out, (out, axis)

    def log_softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        gx = np.exp(out)
        gx *= _sum(g, axis)
        np.subtract(g, gx, out=gx)
        return (gx,)

    def cross_entropy(self, logits, targets):
        """Mean of log(sum exp z) - z[target] with z = logits - max; keeps softmax for backward."""
        rows = np.arange(len(targets))
        probs = np.subtract(logits, logits.max(axis=-1, keepdims=True))
        picked = probs[rows, targets]  # fancy indexing copies: safe from the exp below
        np.exp(probs, out=probs)
        total = _sum(probs, -1)
        probs /= total
        loss = (np.log(total[:, 0]) - picked).sum() / max(len(targets), 1)
        return np.asarray(loss, dtype=logits.dtype), (probs, targets)

    def cross_entropy_backward(self, g, ctx, needs=(True,)):
        probs, targets = ctx
        grad = probs.copy()  # ctx stays intact for a second backward (retain_graph)
        grad[np.arange(len(targets)), targets] -= 1
        grad *= g / max(len(targets), 1)
        return (grad,)

    # -- layer norm: one centred array, scaled in place --------------------------
    def layer_norm(self, x, weight=None, bias=None, eps=1e-5):
        """Mean, then variance from the centred values (not E[x^2] - E[x]^2, which loses
        every digit in float32 when the mean is large). Both row reductions are BLAS
        products, so no squared temporary is made; the centred array becomes xhat."""
        d = x.shape[-1]
        xhat = np.subtract(x, _sum(x, -1) / d)
        var = np.einsum("...i,...i->...", xhat, xhat)[..., None]
        var /= d
        var += eps
        rstd = np.reciprocal(np.sqrt(var, out=var), out=var)
        xhat *= rstd
        if weight is None:
            out = xhat if bias is None else xhat + bias
        else:
            out = np.multiply(xhat, weight)
            if bias is not None:
                out += bias
        return out, (xhat, rstd, weight, bias is not None)

    def layer_norm_backward(self, g, ctx, needs=(True, True, True)):
        """gx = rstd * (gy - mean(gy) - xhat * mean(gy * xhat)) with gy = g * weight.

        Both row means come from one product ``g * xhat`` (also gw's summand), and with
        a weight they are matrix-vector products: sum_i g_i w_i = g @ w."""
        xhat, rstd, weight, has_bias = ctx
        d = xhat.shape[-1]
        lead = tuple(range(g.ndim - 1))
        g_xhat = np.multiply(g, xhat, out=self.scratch.get("g_xhat", xhat.shape, np.result_type(g, xhat)))
        gw = g_xhat.sum(axis=lead) if weight is not None and needs[1] else None
        gb = g.sum(axis=lead) if has_bias and needs[2] else None
        gx = None
        if needs[0]:
            if weight is None:
                sum_g, sum_gx, gx = _sum(g, -1), _sum(g_xhat, -1), np.array(g, copy=True)
            else:
                sum_g, sum_gx, gx = (g @ weight)[..., None], (g_xhat @ weight)[..., None], np.multiply(g, weight)
            gx -= sum_g / d
            gx -= np.multiply(xhat, sum_gx / d, out=g_xhat)  # g_xhat is spent: reuse it
            gx *= rstd
        return gx, gw, gb

    # -- GELU: the core formula, step by step in place --------------------------
    def gelu(self, x):
        """0.5 x (1 + tanh(c (x + 0.044715 x^3))): the same operations in the same order
        as ``Backend.gelu``, so the results agree bit for bit, with one temporary."""
        t = np.multiply(x, x, out=np.empty_like(x))  # out=: an array even when x is 0-d
        t *= x
        t *= 0.044715
        t += x
        t *= GELU_C
        np.tanh(t, out=t)
        out = np.add(t, 1)
        out *= x
        out *= 0.5
        return out, (x, t)

    def gelu_backward(self, g, ctx, needs=(True,)):
        x, t = ctx
        local = np.multiply(x, x, out=np.empty(x.shape, np.result_type(g, x)))  # c (1 + 3 * 0.044715 x^2)
        local *= 3 * 0.044715
        local += 1
        local *= GELU_C
        tmp = np.multiply(t, t, out=self.scratch.get("gelu", t.shape, t.dtype))
        np.subtract(1, tmp, out=tmp)  # d tanh = 1 - tanh^2
        local *= tmp
        local *= x
        local *= 0.5
        np.add(t, 1, out=tmp)
        tmp *= 0.5
        local += tmp
        local *= g
        return (local,)

    # -- attention: batched GEMMs, softmax in place on the scores ----------------
    def scaled_dot_product_attention(self, q, k, v, mask=None, is_causal=False):
        tq, tk = q.shape[-2], k.shape[-2]
        allowed = attention_mask(mask, is_causal, tq, tk)
        lead = (q.shape[:-2], k.shape[:-2]) + (() if allowed is None else (allowed.shape[:-2],))
        shape = np.broadcast_shapes(*lead) + (tq, tk)
        scale = 1.0 / math.sqrt(q.shape[-1])
        # Scale q (T x d) rather than the scores (T x T); a contiguous k^T lets NumPy hand
        # every batch entry to BLAS (on a transposed view it falls back to a slower loop).
        attn = np.matmul(q * scale, np.ascontiguousarray(k.swapaxes(-1, -2)),
                         out=self._buffer("attn", shape, np.result_type(q, k)))
        if allowed is not None:  # adding 0 or -inf: one pass, and exp(-inf) = 0
            attn += np.where(allowed, 0, -np.inf).astype(attn.dtype)
        _softmax_into(attn, attn)
        out = np.matmul(attn, v)
        return out, (q, k, v, attn, out, scale) if is_grad_enabled() else None

    def scaled_dot_product_attention_backward(self, g, ctx, needs=(True, True, True)):
        q, k, v, attn, out, scale = _recorded(ctx, "scaled_dot_product_attention")
        gv = np.matmul(attn.swapaxes(-1, -2), g) if needs[2] else None
        gs = np.matmul(g, np.ascontiguousarray(v.swapaxes(-1, -2)))  # d attn, made d scores in place
        # Softmax's backward needs sum_j gs_ij attn_ij = g_i . (sum_j attn_ij v_j) = g_i . out_i:
        # a (T, d) product instead of a (T, T) one (FlashAttention's trick).
        gs -= np.einsum("...i,...i->...", g, out)[..., None]
        gs *= attn
        gq = gk = None
        if needs[0]:
            gq = np.matmul(gs, k)
            gq *= scale  # the scale goes on the (T, d) results, not on the (T, T) gs
        if needs[1]:
            gk = np.matmul(gs.swapaxes(-1, -2), q)
            gk *= scale
        return gq, gk, gv

    # -- conv2d: im2col laid out so one batched GEMM lands in (N, F, OH*OW) ------
    def conv2d(self, x, w, b=None, stride=1, padding=0, activation=None):
        f, c, kh, kw = w.shape
        xp = pad2d(x, padding)
        windows = window_view(xp, kh, kw, stride)  # a view (N, C, OH, OW, kh, kw)
        n, _, oh, ow = windows.shape[:4]
        # Columns ordered (C, kh, kw) like the filters, positions (OH, OW) last, so the
        # product filters @ columns is already the NCHW output: no transpose afterwards.
        cols = self._buffer("cols", (n, c, kh, kw, oh, ow), xp.dtype)
        np.copyto(cols, windows.transpose(0, 1, 4, 5, 2, 3))
        cols = cols.reshape(n, c * kh * kw, oh * ow)
        dtype = np.result_type(x, w) if b is None else np.result_type(x, w, b)
        z = np.matmul(w.reshape(f, -1), cols, out=np.empty((n, f, oh * ow), dtype=dtype))
        if b is not None:
            z += b[:, None]
        if activation == "relu":
            out = act_ctx = np.maximum(z, 0, out=z).reshape(n, f, oh, ow)
        else:
            out, act_ctx = self._activate(z.reshape(n, f, oh, ow), activation)
        ctx = (cols, w, xp.shape, stride, padding, b is not None, activation, act_ctx)
        return out, ctx if is_grad_enabled() else None

    def conv2d_backward(self, g, ctx, needs=(True, True, True)):
        cols, w, padded_shape, stride, padding, has_bias, activation, act_ctx = _recorded(ctx, "conv2d")
        if activation == "relu":
            g = _relu_mask(g, act_ctx)
        elif activation == "gelu":
            g = self.gelu_backward(g, act_ctx)[0]
        f, c, kh, kw = w.shape
        n, _, oh, ow = g.shape
        g3 = g.reshape(n, f, oh * ow)
        # gw[f, k] = sum over images n and positions p of g[n, f, p] cols[n, k, p]: a GEMM
        # per image, then a sum of N small (F, C*kh*kw) results. (tensordot over (n, p)
        # would first copy both operands into a transposed layout.)
        gw = np.matmul(g3, cols.swapaxes(1, 2)).sum(axis=0).reshape(w.shape) if needs[1] else None
        gb = g3.sum(axis=(0, 2)) if has_bias and needs[2] else None
        gx = None
        if needs[0]:
            gcols = np.matmul(w.reshape(f, -1).T, g3).reshape(n, c, kh, kw, oh, ow)
            gx = scatter_windows(gcols.transpose(0, 1, 4, 5, 2, 3), padded_shape, stride)
            if padding:
                gx = gx[:, :, padding:-padding, padding:-padding]
        return gx, gw, gb

    # -- pooling: a loop over the small kernel, never a copy of every window -----
    def max_pool2d(self, x, kernel_size=2, stride=None):
        k, s = kernel_size, stride or kernel_size
        windows = window_view(x, k, k, s)  # a view (N, C, OH, OW, k, k): nothing copied
        out = windows[..., 0, 0].copy()
        # Only a backward needs to know which offset i*k + j held each max; without a
        # graph, skipping that bookkeeping makes inference several times faster.
        track = is_grad_enabled()
        winner = np.zeros(out.shape, dtype=np.min_scalar_type(k * k)) if track else None
        larger = np.empty(out.shape, dtype=bool) if track else None
        for offset in range(1, k * k):
            candidate = windows[..., offset // k, offset % k]
            if track:
                np.greater(candidate, out, out=larger)  # strictly: a tie stays with the first max, as in argmax
                np.putmask(winner, larger, offset)
            np.maximum(out, candidate, out=out)
        return out, (winner, x.shape, k, s) if track else None

    def max_pool2d_backward(self, g, ctx, needs=(True,)):
        winner, x_shape, k, s = _recorded(ctx, "max_pool2d")
        oh, ow = g.shape[2:]
        gx = np.zeros(x_shape, dtype=g.dtype)
        share = np.empty(g.shape, dtype=g.dtype)
        for offset in range(k * k):
            i, j = divmod(offset, k)
            np.equal(winner, offset, out=share)  # 1 where this offset held the max, else 0
            share *= g
            gx[:, :, i:i + s * oh:s, j:j + s * ow:s] += share
        return (gx,)

    def avg_pool2d(self, x, kernel_size=2, stride=None):
        windows = window_view(x, kernel_size, kernel_size, stride or kernel_size)
        out = windows[..., 0, 0].copy()
        for i in range(kernel_size):
            for j in range(kernel_size):
                if i or j:
                    out += windows[..., i, j]
        out /= kernel_size * kernel_size
        return out, (x.shape, windows.shape, stride or kernel_size)
