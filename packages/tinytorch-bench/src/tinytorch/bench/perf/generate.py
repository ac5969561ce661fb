"""Tokens per second when a GPT writes, with and without the KV cache.

Without a cache, each new token runs the whole sequence so far through the model again;
with one, the prompt runs once and each step feeds a single token (see
``tinytorch.text.generation``). We time ``model.generate`` for 256 new tokens after a
32-token prompt, both ways, greedy (so both do exactly the same work every round),
interleaved as everything else is (``timing.py``).

The model has the 2017 milestone's size, read from its config when the file exists
(``configs/milestones/2017_transformer_shakespeare.yaml``: its ``model:``, and the
data's ``block_size`` as the context when the model does not say), else 4 layers,
d_model 128, 4 heads, context 256; the result says which. The vocabulary is Tiny
Shakespeare's 65 characters. Its weights are random: a forward pass costs the same
whatever the weights are.

32 + 256 tokens overflow a context of 256 (let alone the milestone's 64), so both modes
slide the window as they would for a user: without the cache every step re-reads a
full window, with it the cache refills from the last half window when it is full. To
explain the ratio we also count the forward passes each mode makes and the positions
they process, and divide the time by the passes: a 1-token pass is not 64 times cheaper
than a 64-token one when fixed costs per pass dominate.

Read next: ``overhead.py``.
"""

from pathlib import Path

import numpy as np
import yaml

import tinytorch.nn as nn
from tinytorch.core import get_backend, use_backend

from . import kernels, timing

MILESTONE = Path("configs/milestones/2017_transformer_shakespeare.yaml")
DEFAULT_SIZE = {"vocab_size": 65, "d_model": 128, "n_layers": 4, "n_heads": 4, "max_seq_len": 256}


def model_size(config=MILESTONE):
    """``(size, source)``: the GPT's constructor arguments and where they came from."""
    path = Path(config)
    if not path.is_file():
        return dict(DEFAULT_SIZE), f"defaults ({path} not found)"
    with open(path) as f:
        config = yaml.safe_load(f) or {}
    model, data = config.get("model") or {}, config.get("data") or {}
    size = {key: model.get(key, value) for key, value in DEFAULT_SIZE.items()}
    # As the `gpt` model factory does: the context defaults to the data's window.
    size["max_seq_len"] = model.get("max_seq_len") or data.get("block_size") or DEFAULT_SIZE["max_seq_len"]
    return size, str(path)


def run(backend=None, config=MILESTONE, prompt_tokens=32, new_tokens=256, repeats=3, breakdown=False,
        on_sample=None):
    """``{"cached_tokens_per_s", "uncached_tokens_per_s", "speedup", ...}`` on ``backend``.

    With ``breakdown``, also where the cached generation's time goes (``kernels.py``).
    """
    from tinytorch.text import GPT

    backend = backend or get_backend().name
    size, source = model_size(config)
    with use_backend(backend):
        nn.manual_seed(0)
        model = GPT(**size)
    prompt = np.random.default_rng(0).integers(0, size["vocab_size"], (1, prompt_tokens))

    def writer(use_cache):
        def write():
            with use_backend(backend):
                model.generate(prompt, new_tokens, temperature=0, use_cache=use_cache)
        return write

    writers = {"cached": writer(True), "uncached": writer(False)}
    results = timing.interleaved(writers, repeats, warmup=1, case_budget=600, on_sample=on_sample)
    rate = {mode: new_tokens / (m.median_ms / 1000) for mode, m in results.items()}
    passes = {mode: _count_passes(model, write) for mode, write in writers.items()}
    for mode, counted in passes.items():
        counted["ms_per_pass"] = results[mode].median_ms / counted["passes"]
    found = {
        "backend": backend,
        "model": size,
        "model_source": source,
        "prompt_tokens": prompt_tokens,
        "new_tokens": new_tokens,
        "cached_tokens_per_s": rate["cached"],
        "uncached_tokens_per_s": rate["uncached"],
        "speedup": rate["cached"] / rate["uncached"],
        "forward_passes": passes,
        "notes": {mode: m.note for mode, m in results.items() if m.note},
    }
    if breakdown:
        found["breakdown"] = kernels.breakdown(writer(True), backend, steps=1)
    return found


def _count_passes(model, write):
    """``{"passes", "positions"}``: the forward passes one ``write()`` makes, and the
    token positions they process in all (counted by watching ``model.forward``)."""
    counted = {"passes": 0, "positions": 0}

    def forward(ids, *args, **kwargs):
        counted["passes"] += 1
        counted["positions"] += np.shape(ids)[1]
        return type(model).forward(model, ids, *args, **kwargs)

    model.forward = forward  # an instance attribute shadows the method while we count
    try:
        write()
    finally:
        del model.forward
    return counted
