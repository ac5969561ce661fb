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
  and, when no input needs a gradient (the ``needs`` the contract passes every composite
  forward), for what only a backward would have needed;
* skip work the maths allows: causal attention never computes most of the masked
  triangle, and an embedding's scatter-add sorts instead of adding one row at a time.

The one rule that makes the in-place work safe: a kernel writes only into arrays it
created. Inputs, and the incoming gradient (which may be shared with other parents, or
be a read-only broadcast), are never modified; outputs and gradients are always fresh.

Every result equals ``vectorized`` to float32 rounding; the tests check it on the shapes
of the models in this project. ``benchmarks/compare.py`` measures the speed-ups.

Read next: ``scratch.py``; compare each kernel with its default in
``tinytorch.core.backend``.
"""

import functools
import math

import numpy as np

from tinytorch.core.backend import GELU_C, attention_mask, pad2d, scatter_windows, window_view
from tinytorch.core.vectorized import VectorizedBackend

from .scratch import Scratch

# Causal attention's query rows per block: smaller blocks skip more of the masked
# triangle, larger ones make fewer and bigger GEMMs; 32 measured fastest at T = 128.
QUERY_BLOCK = 32


@functools.lru_cache(maxsize=64)
def _ones(n, dtype):
    """A read-only vector of ones, made once per length: at batch 1 making it costs as
    much as the sum it serves."""
    ones = np.ones(n, dtype=dtype)
    ones.flags.writeable = False
    return ones


def _sum(x, axis):
    """``x.sum(axis, keepdims=True)``. Over the last axis, or the first of a matrix, it
    is a matrix-vector product with ones: BLAS streams it several times faster than
    ``np.sum`` does."""
    if axis in (-1, x.ndim - 1):
        return (x @ _ones(x.shape[-1], x.dtype))[..., None]
    if axis == 0 and x.ndim == 2:
        return (_ones(x.shape[0], x.dtype) @ x)[None]
    return x.sum(axis=axis, keepdims=True)


def _softmax_into(x, out, axis=-1):
    """Softmax of ``x`` along ``axis`` written into ``out``; ``out`` may be ``x`` itself."""
    np.subtract(x, x.max(axis=axis, keepdims=True), out=out)
    np.exp(out, out=out)
    total = _sum(out, axis)
    out *= np.reciprocal(total, out=total)
    return out


@functools.lru_cache(maxsize=128)  # a KV cache asks for every key length up to its context
def _causal_bias(tq, tk, dtype):
    """0 where query i may see key j, -inf elsewhere (read-only: it is shared)."""
    bias = np.where(attention_mask(None, True, tq, tk), 0, -np.inf).astype(dtype)
    bias.flags.writeable = False
    return bias


def _exp_normalized(scores):
    """Softmax in place along the last axis without subtracting each row's maximum,
    which costs two of the five passes. Scaled attention scores sit far inside float32's
    exp range (|s| < 88), and then exp(s) / sum exp(s) is exact to rounding. If a score
    overflowed, or a row's sum came out so small that its terms may have lost digits,
    returns False: ``scores`` is spent and the caller redoes it the safe way."""
    with np.errstate(over="ignore"):
        np.exp(scores, out=scores)
    total = _sum(scores, -1)
    if not (total.max() < np.inf and total.min() > 1e-20):
        return False
    scores *= np.reciprocal(total, out=total)
    return True


def _scores(q, kt, bias, out):
    """``q @ kt + bias`` written into ``out``; adding 0 or -inf masks in one pass."""
    np.matmul(q, kt, out=out)
    if bias is not None:
        out += bias
    return out


def _relu_mask(g, out):
    """``g`` where ReLU's ``out`` is positive, else 0: a fresh array, ``g`` left alone."""
    masked = np.greater(out, 0, out=np.empty(out.shape, dtype=np.result_type(g, out)))
    masked *= g
    return masked


def _query_blocks(tq, tk, is_causal, size=QUERY_BLOCK):
    """``(i0, i1, end)``: query rows [i0, i1) need keys [0, end). Without a causal mask
    every row needs every key: one block (also when queries outnumber keys, where the
    first rows see no key at all)."""
    if not is_causal or tq > tk:
        return [(0, tq, tk)]
    return [(i0, min(i0 + size, tq), min(tk, min(i0 + size, tq) + tk - tq)) for i0 in range(0, tq, size)]


def _keeps(needs):
    """Whether a forward must keep what its backward reads: some input wants a gradient,
    or the caller did not say (``needs=None``)."""
    return needs is None or any(needs)


def _layer_norm_inference(x, weight, bias, eps):
    """Layer norm when no backward will read xhat or rstd: divide by the standard
    deviation instead of keeping its reciprocal, and scale and shift xhat in place.
    At batch 1 each pass is a NumPy call of about a microsecond, so fewer is faster."""
    d = x.shape[-1]
    xhat = np.subtract(x, np.add.reduce(x, axis=-1, keepdims=True) / d)
    var = np.add.reduce(np.square(xhat), axis=-1, keepdims=True)
    var /= d
    var += eps
    xhat /= np.sqrt(var, out=var)
    if weight is not None:
        xhat *= weight
    if bias is not None:
        xhat += bias
    return xhat


def _recorded(ctx, kernel):
    """The ctx of a forward told some input needs a gradient; else a clear error."""
    if ctx is None:
        raise RuntimeError(
            f"{kernel}_backward: its forward was told no input needs a gradient (no_grad()), "
            f"so it kept nothing for a backward (the fused backend reuses those buffers); "
            f"run the forward with gradients enabled"
        )
    return ctx


class FusedBackend(VectorizedBackend):
    name = "fused"

    def __init__(self):
        self.scratch = Scratch()

    def _buffer(self, slot, shape, dtype, keep):
        """A fresh array when a backward may read it later (``keep``), else scratch:
        with no input needing a gradient no backward will run, so the ctx is dropped."""
        if keep:
            return np.empty(shape, dtype=dtype)
        return self.scratch.get(slot, shape, dtype)

    def index_add(self, shape, index, values):
        """Scatter-add of rows picked by one integer array (an embedding's backward).

        ``np.add.at`` adds one element at a time; sorting the indices instead groups
        equal rows, and ``np.add.reduceat`` sums each group with vector code: several
        times faster. Any other index goes to ``vectorized``."""
        if not (isinstance(index, np.ndarray) and index.dtype.kind in "iu" and index.size):
            return super().index_add(shape, index, values)
        rows = index.reshape(-1) % shape[0]  # negative indices count from the end, as in the forward
        order = np.argsort(rows, kind="stable")
        rows = rows[order]
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        out = np.zeros(shape, dtype=values.dtype)
        grouped = values.reshape((-1,) + tuple(shape[1:]))[order]
        out[rows[starts]] = np.add.reduceat(grouped, starts, axis=0)
        return out

    def _matmul_into(self, a, b, into, add):
        """``into = a @ b``, or ``into += a @ b`` (the product in scratch) when ``add``."""
        if add:
            into += np.matmul(a, b, out=self.scratch.get("product", into.shape, into.dtype))
        else:
            np.matmul(a, b, out=into)

    @staticmethod
    def sigmoid(x):
        # vectorized's 0.5 * (tanh(0.5 x) + 1) makes four arrays; here one, finished in place.
        out = np.multiply(x, 0.5, out=np.empty(x.shape, dtype=np.result_type(x, 0.5)))
        np.tanh(out, out=out)
        out += 1
        out *= 0.5
        return out

    # -- linear: one GEMM into the output, bias and ReLU in place ---------------
    def linear(self, x, w, b=None, activation=None, needs=None):
        x2 = x.reshape(-1, x.shape[-1])
        z = np.matmul(x2, w.T)  # fresh: ours to finish in place
        if b is not None:
            z = np.add(z, b, out=z) if b.dtype == z.dtype else z + b
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
        elif activation == "gelu":  # the gradient at z never leaves this kernel: scratch
            g2 = self._gelu_grad(g2, act_ctx, self.scratch.get("gelu_grad", g2.shape, np.result_type(g2, w)))
        gx = np.matmul(g2, w).reshape(g.shape[:-1] + (w.shape[1],)) if needs[0] else None
        gw = np.matmul(g2.T, x2) if needs[1] else None
        gb = _sum(g2, 0)[0] if has_bias and needs[2] else None
        return gx, gw, gb

    # -- softmax family: one fresh array each way, finished in place -------------
    def softmax(self, x, axis=-1, needs=None):
        out = _softmax_into(x, np.empty(x.shape, dtype=x.dtype), axis)
        return out, (out, axis)

    def softmax_backward(self, g, ctx, needs=(True,)):
        out, axis = ctx
        gx = np.multiply(g, out)
        np.subtract(g, _sum(gx, axis), out=gx)
        gx *= out
        return (gx,)

    def log_softmax(self, x, axis=-1, needs=None):
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

    def cross_entropy(self, logits, targets, needs=None):
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
    def layer_norm(self, x, weight=None, bias=None, eps=1e-5, needs=None):
        """Mean, then variance from the centred values (not E[x^2] - E[x]^2, which loses
        every digit in float32 when the mean is large). Both row reductions are BLAS
        products with ones; the square lives in scratch, and the centred array becomes
        xhat. With no backward to come, `_layer_norm_inference` does it in fewer passes."""
        if not _keeps(needs) and all(p is None or p.dtype == x.dtype for p in (weight, bias)):
            return _layer_norm_inference(x, weight, bias, eps), None
        d = x.shape[-1]
        xhat = np.subtract(x, _sum(x, -1) / d)
        var = _sum(np.multiply(xhat, xhat, out=self.scratch.get("square", xhat.shape, xhat.dtype)), -1)
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
        g_xhat = np.multiply(g, xhat, out=self.scratch.get("g_xhat", xhat.shape, np.result_type(g, xhat)))
        gw = _sum(g_xhat.reshape(-1, d), 0)[0] if weight is not None and needs[1] else None
        gb = _sum(g.reshape(-1, d), 0)[0] if has_bias and needs[2] else None
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

    # -- GELU: keep h = 0.5 (1 + tanh(...)), the factor both directions need -------
    def gelu(self, x, needs=None):
        """x h with h = 0.5 (1 + tanh(c (x + 0.044715 x^3))); the inner polynomial is
        evaluated as x (c + 0.044715 c x^2), one pass fewer. h is kept for the backward."""
        h = np.multiply(x, x, out=np.empty_like(x))  # out=: an array even when x is 0-d
        h *= 0.044715 * GELU_C
        h += GELU_C
        h *= x
        np.tanh(h, out=h)
        h += 1
        h *= 0.5
        return np.multiply(x, h), (x, h)

    def gelu_backward(self, g, ctx, needs=(True,)):
        x = ctx[0]
        return (self._gelu_grad(g, ctx, np.empty(x.shape, np.result_type(g, x))),)

    def _gelu_grad(self, g, ctx, out):
        """d/dx = h + x (1 - tanh^2) c (1 + 3 * 0.044715 x^2) / 2; with 1 - tanh^2 = 4 h (1 - h)
        that is h (1 + x (1 - h) (2c + 6 * 0.044715 c x^2)): nine passes, written into ``out``."""
        x, h = ctx
        local = np.multiply(x, x, out=out)
        local *= 6 * 0.044715 * GELU_C
        local += 2 * GELU_C
        local *= x
        local *= np.subtract(1, h, out=self.scratch.get("gelu", h.shape, h.dtype))
        local += 1
        local *= h
        local *= g
        return local

    # -- attention: batched GEMMs over causal query blocks, softmax in place --------
    def scaled_dot_product_attention(self, q, k, v, mask=None, is_causal=False, needs=None):
        """Causal attention splits the queries into blocks: block [i0, i1) sees only the
        keys up to i1 (shifted by Tk - Tq), so most of the masked upper triangle is never
        computed: with four blocks, 10/16 of the score matrix is, in every pass over it."""
        tq, tk = q.shape[-2], k.shape[-2]
        if tq == 1 and mask is None:
            return self._attend_one(q, k, v, _keeps(needs))
        dtype = np.result_type(q, k, v)
        if mask is None:  # the common case: the same bias every call, built once
            bias = _causal_bias(tq, tk, dtype) if is_causal else None
        else:
            bias = np.where(attention_mask(mask, is_causal, tq, tk), 0, -np.inf).astype(dtype)
        lead = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], () if bias is None else bias.shape[:-2])
        scale = 1.0 / math.sqrt(q.shape[-1])
        # Scale k^T (d x T) rather than the scores (T x T), in the copy that makes it
        # contiguous: on a transposed view NumPy's batched matmul falls back to a slow loop.
        kt = np.multiply(k.swapaxes(-1, -2), scale,
                         out=self.scratch.get("kt", k.shape[:-2] + (k.shape[-1], k.shape[-2]), k.dtype))
        out = np.empty(lead + (tq, v.shape[-1]), dtype=dtype)
        blocks = []
        for i0, i1, end in _query_blocks(tq, tk, is_causal):
            block_bias = None if bias is None else bias[..., i0:i1, :end] if is_causal else bias
            attn = self._buffer(f"attn{i0}", lead + (i1 - i0, end), out.dtype, _keeps(needs))
            if not _exp_normalized(_scores(q[..., i0:i1, :], kt[..., :end], block_bias, attn)):
                _softmax_into(_scores(q[..., i0:i1, :], kt[..., :end], block_bias, attn), attn)
            np.matmul(attn, v[..., :end, :], out=out[..., i0:i1, :])
            blocks.append((i0, i1, end, attn))
        return out, (q, k, v, blocks, out, scale) if _keeps(needs) else None

    def _attend_one(self, q, k, v, keep):
        """One query, as in a KV-cache step: it is the last position, so even a causal
        one sees every key. The scores are then a matrix-vector product ``k @ q`` (no
        transposed copy of the cache's keys), softmaxed down the key axis in place."""
        scale = 1.0 / math.sqrt(q.shape[-1])
        scores = np.matmul(k, q.swapaxes(-1, -2))  # (..., Tk, 1)
        scores *= scale
        scores -= scores.max(axis=-2, keepdims=True)
        np.exp(scores, out=scores)
        scores /= np.add.reduce(scores, axis=-2, keepdims=True)
        attn = scores.swapaxes(-1, -2)  # (..., 1, Tk), the layout the backward reads
        out = np.matmul(attn, v)
        return out, (q, k, v, [(0, 1, k.shape[-2], attn)], out, scale) if keep else None

    def scaled_dot_product_attention_backward(self, g, ctx, needs=(True, True, True)):
        q, k, v, blocks, out, scale = _recorded(ctx, "scaled_dot_product_attention")
        # Softmax's backward needs sum_j gs_ij attn_ij = g_i . (sum_j attn_ij v_j) = g_i . out_i:
        # a (T, d) product instead of a (T, T) one (FlashAttention's trick).
        g_out = np.einsum("...i,...i->...", g, out)[..., None]
        vt = self.scratch.get("vt", v.shape[:-2] + (v.shape[-1], v.shape[-2]), v.dtype)
        np.copyto(vt, v.swapaxes(-1, -2))
        lead = g.shape[:-2]
        gq = np.empty(lead + q.shape[-2:], dtype=g.dtype) if needs[0] else None
        gk = np.empty(lead + k.shape[-2:], dtype=g.dtype) if needs[1] else None
        gv = np.empty(lead + v.shape[-2:], dtype=g.dtype) if needs[2] else None
        # The last block sees every key, so going backwards it writes gk and gv whole;
        # the earlier blocks add into the keys they saw.
        for n, (i0, i1, end, attn) in enumerate(reversed(blocks)):
            g_block = g[..., i0:i1, :]
            if needs[2]:
                self._matmul_into(attn.swapaxes(-1, -2), g_block, gv[..., :end, :], n > 0)
            # d attn, then, in place, d scores
            gs = np.matmul(g_block, vt[..., :end], out=self.scratch.get("gs", attn.shape, g.dtype))
            gs -= g_out[..., i0:i1, :]
            gs *= attn
            if needs[0]:
                np.matmul(gs, k[..., :end, :], out=gq[..., i0:i1, :])
            if needs[1]:
                self._matmul_into(gs.swapaxes(-1, -2), q[..., i0:i1, :], gk[..., :end, :], n > 0)
        for grad in (gq, gk):  # the scale goes on the (T, d) results, not on the (T, T) gs
            if grad is not None:
                grad *= scale
        return gq, gk, gv

    # -- conv2d: im2col laid out so one batched GEMM lands in (N, F, OH*OW) ------
    def conv2d(self, x, w, b=None, stride=1, padding=0, activation=None, needs=None):
        f, c, kh, kw = w.shape
        xp = pad2d(x, padding)
        windows = window_view(xp, kh, kw, stride)  # a view (N, C, OH, OW, kh, kw)
        n, _, oh, ow = windows.shape[:4]
        # Columns ordered (C, kh, kw) like the filters, positions (OH, OW) last, so the
        # product filters @ columns is already the NCHW output: no transpose afterwards.
        cols = self._buffer("cols", (n, c, kh, kw, oh, ow), xp.dtype, _keeps(needs))
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
        return out, ctx if _keeps(needs) else None

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
    def max_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        k, s = kernel_size, stride or kernel_size
        windows = window_view(x, k, k, s)  # a view (N, C, OH, OW, k, k): nothing copied
        out = windows[..., 0, 0].copy()
        # Only a backward needs to know which offset i*k + j held each max; without a
        # graph, skipping that bookkeeping makes inference several times faster.
        track = _keeps(needs)
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

    def avg_pool2d(self, x, kernel_size=2, stride=None, needs=None):
        windows = window_view(x, kernel_size, kernel_size, stride or kernel_size)
        out = windows[..., 0, 0].copy()
        for i in range(kernel_size):
            for j in range(kernel_size):
                if i or j:
                    out += windows[..., i, j]
        out /= kernel_size * kernel_size
        return out, (x.shape, windows.shape, stride or kernel_size)
