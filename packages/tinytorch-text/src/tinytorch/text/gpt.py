"""GPT: a decoder-only transformer that predicts the next token.

    ids (B, T) -> token embedding + position embedding      (B, T, d_model)
               -> n_layers x TransformerBlock (causal)      (B, T, d_model)
               -> final LayerNorm -> linear "lm head"      (B, T, vocab_size)

Output position t holds the logits of the token that follows ``ids[:, t]``, computed
from ``ids[:, :t+1]`` only (the blocks are causal), so one forward pass over a window
trains ``T`` predictions at once: ``cross_entropy(model(x), y)`` with ``y`` the window
shifted by one (see `datasets.py`).

Initialisation follows GPT-2: weights N(0, 0.02), and the projections that write into
the residual stream scaled down by ``1/sqrt(2 * n_layers)`` so the stream's variance
does not grow with depth. With ``tie_weights`` the lm head reuses the token embedding
matrix (fewer parameters; the same vector reads and writes a token).

Read next: `generation.py`, which turns next-token logits into text, with a KV cache.
"""

import math

import numpy as np

from tinytorch.core import Tensor
from tinytorch.core.functional import linear
from tinytorch.nn import Dropout, LayerNorm, Linear, Module, ModuleList, TransformerBlock, init
from tinytorch.text import generation
from tinytorch.text.embedding import Embedding, PositionalEmbedding


class GPT(Module):
    """A GPT language model; ``forward(ids)`` returns logits (B, T, vocab_size)."""

    def __init__(self, vocab_size, d_model, n_layers, n_heads, max_seq_len, dropout=0.0,
                 tie_weights=False):
        super().__init__()
        self.vocab_size, self.max_seq_len = vocab_size, max_seq_len
        self.tok_emb = Embedding(vocab_size, d_model, std=0.02)
        self.pos_emb = PositionalEmbedding(max_seq_len, d_model, std=0.02)
        self.drop = Dropout(dropout)
        self.blocks = ModuleList(TransformerBlock(d_model, n_heads, dropout=dropout) for _ in range(n_layers))
        self.ln_f = LayerNorm(d_model)
        self.lm_head = None if tie_weights else Linear(d_model, vocab_size, bias=False)
        self._init_gpt2(n_layers)

    def _init_gpt2(self, n_layers):
        residual_std = 0.02 / math.sqrt(2 * n_layers)
        for block in self.blocks:
            for layer, std in ((block.attn.qkv, 0.02), (block.attn.proj, residual_std),
                               (block.fc, 0.02), (block.proj, residual_std)):
                init.normal_(layer.weight, std=std)
                init.zeros_(layer.bias)
        if self.lm_head is not None:
            init.normal_(self.lm_head.weight, std=0.02)

    def forward(self, ids, cache=None):
        """Logits for ``ids`` (B, T). With ``cache`` (one `KVCache` per block, see
        `new_cache`) the ids continue the cached positions."""
        ids = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
        if ids.ndim != 2:
            raise ValueError(f"GPT expects token ids of shape (batch, time), found shape {ids.shape}")
        offset = 0 if cache is None else cache[0].length
        if offset + ids.shape[1] > self.max_seq_len:
            raise ValueError(
                f"sequence of {offset + ids.shape[1]} tokens is longer than the model's "
                f"max_seq_len={self.max_seq_len}; crop it to the last {self.max_seq_len} tokens"
            )
        # region 13 transformers: token + position embeddings (from offset), every block with its cache, final norm, logits
        x = self.drop(self.pos_emb(self.tok_emb(ids), offset))
        for i, block in enumerate(self.blocks):
            x = block(x, cache=None if cache is None else cache[i])
        x = self.ln_f(x)
        return self.lm_head(x) if self.lm_head is not None else linear(x, self.tok_emb.weight)
        # endregion

    def new_cache(self, batch_size, dtype=None):
        """Empty KV caches, one per block, preallocated to ``max_seq_len`` positions."""
        dtype = dtype or self.tok_emb.weight.dtype
        return [block.attn.new_cache(batch_size, self.max_seq_len, dtype) for block in self.blocks]

    def generate(self, ids, max_new_tokens, temperature=1.0, top_k=None, seed=None, use_cache=True,
                 compile=True):
        """Continue ``ids``; see `tinytorch.text.generation.generate`."""
        return generation.generate(self, ids, max_new_tokens, temperature, top_k, seed, use_cache, compile)
