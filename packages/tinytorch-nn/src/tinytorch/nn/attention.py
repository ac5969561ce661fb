"""Multi-head self-attention, and the KV cache that makes generation fast.

Attention lets every position look at the others: position i builds a query, every
position j a key and a value, and i's output is the average of the values weighted by
``softmax(q_i . k_j / sqrt(d))``. With several heads the model width is cut into
``n_heads`` slices that attend independently (one may track syntax, another rhymes),
then a linear layer mixes them again. Heads cost nothing extra: they are a reshape to
(B, H, T, d_head), so one batched matmul serves them all. The maths is the backend's
``scaled_dot_product_attention`` composite, so a backend with a faster kernel speeds up
every transformer.

A causal model must not see the future: query i only attends to keys j <= i.

**KV cache.** When a GPT generates, step t feeds one new token, but attention needs the
keys and values of every earlier token, which would be recomputed from scratch each
step. A `KVCache` keeps them instead, in arrays preallocated to the full context
length, so a step appends one row rather than growing (copying) an array. The new
query is the last of ``length + 1`` positions, which the composite's causal rule
(query i sees key j when ``j <= i + Tk - Tq``) handles without a special case.

Read next: ``transformer.py``, which wraps this in a residual block with an MLP.
"""

import numpy as np

from tinytorch.core import Tensor, get_backend, is_grad_enabled
from tinytorch.core.functional import scaled_dot_product_attention

from .dropout import Dropout
from .linear import Linear
from .module import Module


class KVCache:
    """One attention layer's keys and values so far: arrays (B, H, max_seq_len, d_head).

    ``length`` positions are filled. `append` writes new keys and values after them and
    returns everything filled so far; `reset` empties the cache without freeing it.
    """

    def __init__(self, batch_size, n_heads, max_seq_len, d_head, dtype=np.float32):
        shape = (batch_size, n_heads, max_seq_len, d_head)
        self.k, self.v = np.zeros(shape, dtype), np.zeros(shape, dtype)
        self.length = 0

    @property
    def max_seq_len(self):
        return self.k.shape[2]

    def reset(self):
        self.length = 0

    def append(self, k, v):
        """Store (B, H, T, d_head) keys and values; return views of all ``length`` so far."""
        start, stop = self.length, self.length + k.shape[2]
        if k.shape[:2] + k.shape[3:] != self.k.shape[:2] + self.k.shape[3:]:
            raise ValueError(
                f"KVCache: keys of shape {k.shape} do not fit a cache of shape {self.k.shape} "
                "(batch, heads, positions, d_head); make a new cache for this batch"
            )
        if stop > self.max_seq_len:
            raise ValueError(
                f"KVCache: {self.length} positions are filled and {k.shape[2]} more do not fit "
                f"in max_seq_len={self.max_seq_len}; reset() the cache and prefill it with "
                "fewer tokens"
            )
        # Through the backend's copyto kernel, so compiled execution replays the write.
        # region 14 kv-caching: write k and v into positions start:stop, advance length, return all positions so far
        get_backend().copyto(self.k[:, :, start:stop], k)
        get_backend().copyto(self.v[:, :, start:stop], v)
        self.length = stop
        return self.k[:, :, :stop], self.v[:, :, :stop]
        # endregion


class MultiHeadAttention(Module):
    """Self-attention over (B, T, d_model) inputs with ``n_heads`` heads.

    ``dropout`` applies to the output projection (the composite kernel has no dropout on
    the attention weights).
    """

    def __init__(self, d_model, n_heads, dropout=0.0, bias=True):
        super().__init__()
        if d_model % n_heads:
            raise ValueError(
                f"d_model={d_model} must be divisible by n_heads={n_heads}: each head gets "
                "d_model // n_heads features"
            )
        self.d_model, self.n_heads, self.d_head = d_model, n_heads, d_model // n_heads
        self.qkv = Linear(d_model, 3 * d_model, bias=bias)  # q, k and v in one matmul
        self.proj = Linear(d_model, d_model, bias=bias)
        self.dropout = Dropout(dropout)

    def new_cache(self, batch_size, max_seq_len, dtype=np.float32):
        """An empty `KVCache` for this layer."""
        return KVCache(batch_size, self.n_heads, max_seq_len, self.d_head, dtype)

    def forward(self, x, is_causal=True, cache=None):
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(
                f"MultiHeadAttention expects (batch, time, {self.d_model}) input, found shape {x.shape}"
            )
        b, t, _ = x.shape
        # (B, T, 3C) -> (3, B, H, T, d_head): one reshape splits q/k/v and the heads.
        qkv = self.qkv(x).reshape(b, t, 3, self.n_heads, self.d_head).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        if cache is not None:
            if is_grad_enabled():
                raise RuntimeError(
                    "a KV cache is for generation only: run the model under tinytorch.core.no_grad()"
                )
            k, v = (Tensor(a) for a in cache.append(k.data, v.data))
        y = scaled_dot_product_attention(q, k, v, is_causal=is_causal)
        # heads side by side again (n_heads * d_head is d_model unless heads were pruned)
        y = y.transpose(1, 2).reshape(b, t, self.n_heads * self.d_head)
        return self.dropout(self.proj(y))
