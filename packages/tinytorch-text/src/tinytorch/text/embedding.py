"""Embeddings: token ids become vectors, and positions become vectors too.

`Embedding` (``tinytorch.nn.Embedding``, re-exported here) is a lookup table: row i of
``weight`` is the vector for id i, and the forward pass is plain integer indexing,
``weight[ids]``; its gradient is a scatter-add into the rows that were looked up.

Attention itself ignores order (shuffle the tokens and each output is shuffled the
same way), so a transformer adds a vector that says *where* each token is:

- `PositionalEmbedding`: learned, one trainable row per position (GPT-2's choice).
- `SinusoidalPositionalEncoding`: fixed sines and cosines of geometrically spaced
  frequencies ("Attention Is All You Need"); nothing to train, and nearby positions
  get similar vectors.

Both take an ``offset``: with a KV cache, the token being fed may sit at position 57.

Read next: `gpt.py`, which adds the two and stacks transformer blocks on top.
"""

import numpy as np

from tinytorch.core import Tensor
from tinytorch.nn import Embedding, Module, Parameter, init

__all__ = ["Embedding", "PositionalEmbedding", "SinusoidalPositionalEncoding"]


class PositionalEmbedding(Module):
    """Learned position vectors, added to a (B, T, embedding_dim) input."""

    def __init__(self, max_seq_len, embedding_dim, std=1.0):
        super().__init__()
        self.max_seq_len = max_seq_len
        self.weight = init.normal_(Parameter(np.empty((max_seq_len, embedding_dim), np.float32)), std=std)

    def forward(self, x, offset=0):
        # region 11 embeddings: add the learned vectors of positions offset .. offset + T - 1
        return x + self.weight[_positions(x, offset, self.max_seq_len)]
        # endregion

    def extra_repr(self):
        return f"{self.max_seq_len}, {self.weight.shape[1]}"


class SinusoidalPositionalEncoding(Module):
    """Fixed encodings: ``pe[p, 2i] = sin(p / 10000^(2i/d))``, ``pe[p, 2i+1]`` the cosine."""

    def __init__(self, max_seq_len, embedding_dim):
        super().__init__()
        self.max_seq_len, self.embedding_dim = max_seq_len, embedding_dim
        position = np.arange(max_seq_len)[:, None]
        frequency = np.exp(-np.log(10000.0) * np.arange(0, embedding_dim, 2) / embedding_dim)
        table = np.zeros((max_seq_len, embedding_dim))
        # region 11 embeddings: even columns sin(p * frequency), odd columns cos(p * frequency)
        table[:, 0::2] = np.sin(position * frequency)
        table[:, 1::2] = np.cos(position * frequency)[:, : embedding_dim // 2]
        # endregion
        self.table = table  # a plain array: not a parameter, nothing to save

    def forward(self, x, offset=0):
        return x + Tensor(self.table[_positions(x, offset, self.max_seq_len)].astype(x.dtype))

    def extra_repr(self):
        return f"{self.max_seq_len}, {self.embedding_dim}"


def _positions(x, offset, max_seq_len):
    t = x.shape[-2]
    if offset + t > max_seq_len:
        raise ValueError(
            f"positions {offset}..{offset + t - 1} do not fit max_seq_len={max_seq_len}; "
            f"feed at most {max_seq_len} tokens (crop the sequence)"
        )
    return slice(offset, offset + t)
