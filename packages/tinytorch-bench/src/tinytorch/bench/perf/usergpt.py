"""A GPT written the way PyTorch users write one, trained through ``tinytorch.torch`` and PyTorch.

The built-in ``gpt`` workload is TinyTorch's own model, shaped for its kernels (the GELU
folded into the linear layer, one permute for q/k/v). Users write something else: the
model below follows nanoGPT's ``model.py`` (fused qkv ``Linear`` split into q, k, v,
``view``/``transpose`` into heads, ``scaled_dot_product_attention(is_causal=True)``,
``transpose().contiguous().view()`` back, pre-norm ``LayerNorm``, ``GELU``, weight
tying between the token embedding and the head, GPT-2 initialisation through
``Module.apply``, AdamW with a decay and a no-decay parameter group). It is written
once, against a ``torch`` module passed in, and built twice: ``define(tinytorch.torch)``
and ``define(torch)``. PyTorch's copy gets TinyTorch's initial weights, so both train the
same numbers.

The GELU is ``approximate="tanh"``, GPT-2's own form (nanoGPT's ``nn.GELU()`` is the
exact erf form, which NumPy has no kernel for; see ``tinytorch.nn.functional.gelu``).

Read next: ``train.py``, which times one step of this and the other workloads.
"""

import numpy as np

SIZE = dict(vocab_size=65, n_embd=128, n_layer=4, n_head=4, block_size=128)
BATCH, SEED = 16, 0
DESCRIPTION = ("user-written GPT through tinytorch.torch (nanoGPT style: fused qkv split, view/transpose, "
               "scaled_dot_product_attention, LayerNorm, GELU tanh, tied head, AdamW 2 groups); "
               "gpt's size, batch 16")


def define_block(torch):
    """One transformer block (attention, then MLP, each pre-norm), written against ``torch``."""
    nn, F = torch.nn, torch.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.n_head = n_head
            self.c_attn = nn.Linear(n_embd, 3 * n_embd)
            self.c_proj = nn.Linear(n_embd, n_embd)

        def forward(self, x):
            B, T, C = x.size()  # noqa: N806  (nanoGPT's names)
            q, k, v = self.c_attn(x).split(C, dim=2)
            q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))

    class Block(nn.Module):
        def __init__(self, n_embd, n_head):
            super().__init__()
            self.ln_1, self.attn = nn.LayerNorm(n_embd), CausalSelfAttention(n_embd, n_head)
            self.ln_2 = nn.LayerNorm(n_embd)
            self.mlp = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.GELU(approximate="tanh"),
                                     nn.Linear(4 * n_embd, n_embd))

        def forward(self, x):
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    return Block


def define(torch):
    """The model class, written against ``torch`` (tinytorch.torch or PyTorch)."""
    nn, Block = torch.nn, define_block(torch)

    class GPT(nn.Module):
        def __init__(self, vocab_size, n_embd, n_layer, n_head, block_size):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab_size, n_embd), nn.Embedding(block_size, n_embd)
            self.h = nn.ModuleList([Block(n_embd, n_head) for _ in range(n_layer)])
            self.ln_f = nn.LayerNorm(n_embd)
            self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
            self.wte.weight = self.lm_head.weight  # weight tying
            self.apply(self._init_weights)

        def _init_weights(self, module):
            if isinstance(module, (nn.Linear, nn.Embedding)):
                torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if isinstance(module, nn.Linear) and module.bias is not None:
                torch.nn.init.zeros_(module.bias)

        def forward(self, idx):
            pos = torch.arange(0, idx.size(1), dtype=torch.long)
            x = self.wte(idx) + self.wpe(pos)
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

        def configure_optimizers(self, weight_decay, learning_rate):
            params = [p for _, p in self.named_parameters() if p.requires_grad]
            groups = [{"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
                      {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}]
            return torch.optim.AdamW(groups, lr=learning_rate, betas=(0.9, 0.95))

    return GPT


def _batch(torch):
    ids = np.random.default_rng(SEED).integers(0, SIZE["vocab_size"], (BATCH, SIZE["block_size"] + 1))
    return torch.from_numpy(ids[:, :-1].copy()), torch.from_numpy(ids[:, 1:].copy())


def tinytorch_usergpt():
    """(model, optimizer, inputs, targets) through tinytorch.torch."""
    import tinytorch.torch as tt

    tt.manual_seed(SEED)
    model = define(tt)(**SIZE)
    x, y = _batch(tt)
    return model, model.configure_optimizers(0.1, 3e-4), x, y.numpy()


def torch_usergpt(torch):
    """The same model in PyTorch, starting from TinyTorch's initial weights."""
    ours = tinytorch_usergpt()[0]
    model = define(torch)(**SIZE)
    model.load_state_dict({name: torch.from_numpy(array) for name, array in ours.state_dict().items()})
    x, y = _batch(torch)
    return model, model.configure_optimizers(0.1, 3e-4), x, y
