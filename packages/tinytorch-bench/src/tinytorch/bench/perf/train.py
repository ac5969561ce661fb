"""One training step (forward, backward, optimizer step) of three reference models.

    mlp  784-256-128-10, batch 64, SGD                      (the 1986 milestone's shape)
    cnn  conv 1->8 3x3, ReLU, maxpool 2, conv 8->16 3x3, ReLU, maxpool 2,
         Linear 400->10; batch 64 of 1x28x28, Adam          (a LeNet)
    gpt  char GPT: 4 layers, d_model 128, 4 heads, context 128, vocabulary 65,
         batch 16, AdamW                                    (the 2017 milestone's shape)
    usergpt  the same size written as a PyTorch user writes it, through
         tinytorch.torch; the same code runs in PyTorch     (``usergpt.py``)

Each workload is built once per backend (same seed, so the same weights and batch) and
once in PyTorch when it is importable, with the same layers and the same maths; then
`timing.interleaved` times one step of each contender per round. Every ReLU is folded
into the layer before it (``activation="relu"``) the way the transformer block folds its
GELU, so a backend with a fused linear/conv + ReLU kernel can use it; the maths is
unchanged.

The data is random: a step costs the same whatever the numbers are.

Read next: ``kernels.py``.
"""

from dataclasses import dataclass

import numpy as np

import tinytorch.nn as nn
from tinytorch.core import Tensor, use_backend
from tinytorch.core.functional import cross_entropy
from tinytorch.optim import SGD, Adam, AdamW

from . import kernels, timing, usergpt

SEED = 0


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    tinytorch: object  # () -> (model, optimizer, inputs, targets)
    torch: object  # (torch) -> (model, optimizer, inputs, targets)


# -- TinyTorch -------------------------------------------------------------------------


def _with_relu(layer):
    layer.activation = "relu"
    return layer


def _batch(shape, classes, targets_shape):
    rng = np.random.default_rng(SEED)
    return rng.standard_normal(shape).astype(np.float32), rng.integers(0, classes, targets_shape)


def tinytorch_mlp():
    nn.manual_seed(SEED)
    model = nn.Sequential(_with_relu(nn.Linear(784, 256)), _with_relu(nn.Linear(256, 128)), nn.Linear(128, 10))
    x, y = _batch((64, 784), 10, 64)
    return model, SGD(model.parameters(), lr=0.01), Tensor(x), y


def tinytorch_cnn():
    nn.manual_seed(SEED)
    model = nn.Sequential(
        _with_relu(nn.Conv2d(1, 8, 3)), nn.MaxPool2d(2),
        _with_relu(nn.Conv2d(8, 16, 3)), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(400, 10),
    )
    x, y = _batch((64, 1, 28, 28), 10, 64)
    return model, Adam(model.parameters(), lr=1e-3), Tensor(x), y


def tinytorch_gpt():
    from tinytorch.text import GPT

    nn.manual_seed(SEED)
    model = GPT(vocab_size=65, d_model=128, n_layers=4, n_heads=4, max_seq_len=128)
    rng = np.random.default_rng(SEED)
    ids = rng.integers(0, 65, (16, 129))
    return model, AdamW(model.parameters(), lr=3e-4), ids[:, :-1], ids[:, 1:]


def tinytorch_step(build, backend):
    """A zero-argument callable: one training step of ``build()``'s model on ``backend``."""
    with use_backend(backend):
        model, optimizer, x, y = build()

    def step():
        with use_backend(backend):
            optimizer.zero_grad()
            loss = cross_entropy(model(x), y)
            loss.backward()
            optimizer.step()

    return step


# -- PyTorch: the same models ------------------------------------------------------------


def torch_mlp(torch):
    nn_ = torch.nn
    model = nn_.Sequential(nn_.Linear(784, 256), nn_.ReLU(), nn_.Linear(256, 128), nn_.ReLU(), nn_.Linear(128, 10))
    x, y = _batch((64, 784), 10, 64)
    return model, torch.optim.SGD(model.parameters(), lr=0.01), torch.from_numpy(x), torch.from_numpy(y)


def torch_cnn(torch):
    nn_ = torch.nn
    model = nn_.Sequential(
        nn_.Conv2d(1, 8, 3), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Conv2d(8, 16, 3), nn_.ReLU(), nn_.MaxPool2d(2),
        nn_.Flatten(), nn_.Linear(400, 10),
    )
    x, y = _batch((64, 1, 28, 28), 10, 64)
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), torch.from_numpy(x), torch.from_numpy(y)


def torch_gpt(torch):
    nn_, F = torch.nn, torch.nn.functional

    class Block(nn_.Module):  # pre-norm, as tinytorch.nn.TransformerBlock
        def __init__(self, d, heads):
            super().__init__()
            self.heads = heads
            self.ln1, self.qkv, self.out = nn_.LayerNorm(d), nn_.Linear(d, 3 * d), nn_.Linear(d, d)
            self.ln2, self.fc, self.proj = nn_.LayerNorm(d), nn_.Linear(d, 4 * d), nn_.Linear(4 * d, d)

        def forward(self, x):
            b, t, d = x.shape
            q, k, v = self.qkv(self.ln1(x)).view(b, t, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.out(y.transpose(1, 2).reshape(b, t, d))
            return x + self.proj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))

    class GPT(nn_.Module):
        def __init__(self, vocab=65, d=128, layers=4, heads=4, context=128):
            super().__init__()
            self.tok, self.pos = nn_.Embedding(vocab, d), nn_.Embedding(context, d)
            self.blocks = nn_.Sequential(*(Block(d, heads) for _ in range(layers)))
            self.ln_f, self.head = nn_.LayerNorm(d), nn_.Linear(d, vocab, bias=False)

        def forward(self, ids):
            x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
            return self.head(self.ln_f(self.blocks(x)))

    model = GPT()
    ids = np.random.default_rng(SEED).integers(0, 65, (16, 129))
    x, y = torch.from_numpy(ids[:, :-1]), torch.from_numpy(ids[:, 1:])
    return model, torch.optim.AdamW(model.parameters(), lr=3e-4), x, y


def torch_step(build, torch):
    torch.manual_seed(SEED)
    model, optimizer, x, y = build(torch)

    def step():
        optimizer.zero_grad()
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        optimizer.step()

    return step


WORKLOADS = {
    "mlp": Workload("mlp", "MLP 784-256-128-10, batch 64, SGD", tinytorch_mlp, torch_mlp),
    "cnn": Workload("cnn", "CNN conv 1->8 3x3, pool, conv 8->16 3x3, pool, Linear 400->10; "
                    "batch 64 of 1x28x28, Adam", tinytorch_cnn, torch_cnn),
    "gpt": Workload("gpt", "char GPT 4 layers, d_model 128, 4 heads, context 128, vocab 65; "
                    "batch 16, AdamW", tinytorch_gpt, torch_gpt),
    "usergpt": Workload("usergpt", usergpt.DESCRIPTION, usergpt.tinytorch_usergpt, usergpt.torch_usergpt),
}


def run(backends, workloads=tuple(WORKLOADS), repeats=15, limit=20.0, torch=None, on_sample=None):
    """Median milliseconds per step: ``{"mlp": {"vectorized": 3.1, ..., "torch": 2.0}, ...}``.

    Also returns ``notes`` (``{workload: {contender: note}}``, for skipped or shortened
    contenders) and ``ratios_to_torch``. Contenders of one workload are interleaved; a
    step that runs past ``limit`` seconds is skipped, never guessed.
    """
    medians, notes, ratios = {}, {}, {}
    for name in workloads:
        workload = WORKLOADS[name]
        cases = {backend: tinytorch_step(workload.tinytorch, backend) for backend in backends}
        if torch is not None:
            cases["torch"] = torch_step(workload.torch, torch)
        results = timing.interleaved(cases, repeats, limit=limit,
                                     on_sample=on_sample and (lambda d, t, n=name: on_sample(n, d, t)))
        medians[name] = {c: m.median_ms for c, m in results.items()}
        notes[name] = {c: m.note for c, m in results.items() if m.note}
        if not notes[name]:
            del notes[name]
        ratios[name] = ratios_to(medians[name], "torch")
    return {"ms_per_step": medians, "ratios_to_torch": ratios, "notes": notes}


def ratios_to(medians, reference):
    """``time / reference time`` for each measured contender (above 1: slower)."""
    base = medians.get(reference)
    if not base:
        return {}
    return {c: ms / base for c, ms in medians.items() if c != reference and ms is not None}


def breakdowns(result, max_ms=2000.0):
    """``{workload: {backend: kernels.breakdown(...)}}`` for the TinyTorch steps ``run``
    measured at under ``max_ms`` (a slower one would take too long to profile)."""
    found = {}
    for workload, medians in result["ms_per_step"].items():
        found[workload] = {
            backend: kernels.breakdown(tinytorch_step(WORKLOADS[workload].tinytorch, backend), backend)
            for backend, ms in medians.items() if backend != "torch" and ms is not None and ms <= max_ms
        }
    return found


def gemm_floors(workloads=tuple(WORKLOADS), backend="vectorized", repeats=15):
    """``{workload: ms}``: the step's ``linear`` matrix products alone (``kernels.gemm_floor``);
    the shapes are the model's, the same on every backend."""
    return {name: kernels.gemm_floor(tinytorch_step(WORKLOADS[name].tinytorch, backend), backend, repeats)
            for name in workloads}
