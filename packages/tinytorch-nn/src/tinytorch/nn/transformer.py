"""The transformer block: attention to mix positions, an MLP to think about each one.

    x = x + attn(ln1(x))     # every position gathers from the others
    x = x + mlp(ln2(x))      # then each position is transformed on its own

This is the "pre-norm" layout of GPT-2: the layer norms sit inside the residual
branches, so the residual path ``x`` runs untouched from the embedding to the output
and gradients reach the first layer undiminished however many blocks are stacked.
The MLP widens to ``d_ff`` (4 x d_model by default), applies GELU, and narrows back.
Its first `Linear` carries the GELU as its ``activation``, so a backend with a fused
linear+GELU kernel runs both in one pass.

Read next: ``tinytorch.text.gpt``, which stacks these blocks into a language model.
"""

from .attention import MultiHeadAttention
from .dropout import Dropout
from .linear import Linear
from .module import Module
from .norm import LayerNorm


class TransformerBlock(Module):
    """A pre-norm block: (B, T, d_model) in, the same shape out."""

    def __init__(self, d_model, n_heads, d_ff=None, dropout=0.0):
        super().__init__()
        d_ff = 4 * d_model if d_ff is None else d_ff
        self.ln1 = LayerNorm(d_model)
        self.attn = MultiHeadAttention(d_model, n_heads, dropout=dropout)
        self.ln2 = LayerNorm(d_model)
        self.fc = Linear(d_model, d_ff)
        self.fc.activation = "gelu"  # fused into the linear kernel
        self.proj = Linear(d_ff, d_model)
        self.dropout = Dropout(dropout)

    def forward(self, x, is_causal=True, cache=None):
        # region 13 transformers: pre-norm residuals: x + attention(ln1(x)), then x + MLP(ln2(x))
        x = x + self.attn(self.ln1(x), is_causal=is_causal, cache=cache)
        return x + self.dropout(self.proj(self.fc(self.ln2(x))))
        # endregion
