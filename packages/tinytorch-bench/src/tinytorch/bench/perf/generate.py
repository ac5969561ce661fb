"""Milliseconds per generated token: cached and uncached, eager and compiled, and PyTorch.

For each context length (64, 256, 1024) we build the 2017 milestone's GPT with that
many positions (4 layers, d_model 128, 4 heads, vocabulary 65, read from its config
when the file exists) and let it write the rest of its window greedily after a 32-token
prompt, so nothing slides and every mode does exactly the same work:

- ``cached`` feeds one token per step through the KV cache, ``uncached`` reruns the
  whole sequence so far;
- ``eager`` runs modules and Tensors, ``compiled`` replays the recorded kernels
  (``tinytorch.core.compile``; ``generate(compile=True)``, the default);
- ``torch`` is PyTorch eager (``inference_mode``) on the same weights with the same kind
  of cache (``torch_models.py``), when PyTorch is installed.

Every mode must choose the same tokens (checked). Without a cache each step has a new
sequence length, and ``generate`` compiles an uncached forward only once the window is
full, which it never is here: compiled uncached is eager uncached, timed where it is
cheap (not at 1024, where one uncached run takes a minute) to show that.
The KV-cache speedup is compiled cached against eager uncached. Weights are random: a
forward costs the same whatever they are.

Read next: ``latency.py``, batch-1 forward passes.
"""

from pathlib import Path

import numpy as np
import yaml

import tinytorch.nn as nn
from tinytorch.core import get_backend, use_backend

from . import timing, torch_models

MILESTONE = Path("configs/milestones/2017_transformer_shakespeare.yaml")
DEFAULT_SIZE = {"vocab_size": 65, "d_model": 128, "n_layers": 4, "n_heads": 4}
CONTEXTS = (64, 256, 1024)
PROMPT = 32
MODES = ("cached compiled", "cached eager", "uncached compiled", "uncached eager")
SLOW_UNCACHED = 1024  # from this context on, uncached modes get one round and compiled uncached none


def model_size(config=MILESTONE):
    """``(size, source)``: the GPT's constructor arguments (without the context) and where they came from."""
    path = Path(config)
    if not path.is_file():
        return dict(DEFAULT_SIZE), f"defaults ({path} not found)"
    with open(path) as f:
        model = (yaml.safe_load(f) or {}).get("model") or {}
    return {key: model.get(key, value) for key, value in DEFAULT_SIZE.items()}, str(path)


def run(backend=None, config=MILESTONE, contexts=CONTEXTS, repeats=3, torch=None, on_sample=None):
    """``{"backend", "model", "model_source", "prompt_tokens", "contexts": {context: row}}``.

    A row holds ``ms_per_token`` per mode (None when not timed), ``new_tokens`` and the
    ``notes`` of the timing."""
    backend = backend or get_backend().name
    size, source = model_size(config)
    rows = {}
    for context in contexts:
        rows[context] = _context(backend, size, context, repeats, torch,
                                 lambda d, t, c=context: on_sample and on_sample(f"generate, context {c}", d, t))
    return {"backend": backend, "model": size, "model_source": source, "prompt_tokens": PROMPT, "contexts": rows}


def _context(backend, size, context, repeats, torch, on_sample):
    from tinytorch.text import GPT

    with use_backend(backend):
        nn.manual_seed(0)
        model = GPT(**size, max_seq_len=context)
    prompt = np.random.default_rng(0).integers(0, size["vocab_size"], (1, PROMPT))
    new = context - PROMPT

    def tinytorch_writer(use_cache, compiled):
        def write():
            with use_backend(backend):
                return model.generate(prompt, new, temperature=0, use_cache=use_cache, compile=compiled)
        return write

    writers = {mode: tinytorch_writer(mode.startswith("cached"), mode.endswith("compiled")) for mode in MODES}
    if context >= SLOW_UNCACHED:
        del writers["uncached compiled"]
    if torch is not None:
        net = torch_models.gpt(torch, model)
        for use_cache in (True, False):
            writers[f"{'cached' if use_cache else 'uncached'} torch"] = (
                lambda c=use_cache: torch_models.greedy(torch, net, prompt, new, context, c))
    slow = [m for m in writers if m.startswith("uncached") and context >= SLOW_UNCACHED]
    results, tokens = {}, {}
    for mode in slow:  # a minute a run: the run that gives the tokens is the one timed
        start = timing.clock()
        tokens[mode] = writers[mode]()
        results[mode] = timing.Measurement([timing.clock() - start], "one round, untimed warm-up skipped")
    tokens.update({mode: write() for mode, write in writers.items() if mode not in slow})
    disagree = [mode for mode, t in tokens.items() if not np.array_equal(t, tokens["uncached eager"])]
    fast = {m: w for m, w in writers.items() if m not in slow}
    results.update(timing.interleaved(fast, repeats, warmup=1, case_budget=120, on_sample=on_sample))
    return {
        "new_tokens": new,
        "ms_per_token": {mode: None if results[mode].skipped else results[mode].median_ms / new for mode in writers},
        "notes": {mode: m.note for mode, m in results.items() if m.note},
        "tokens_disagree": disagree,
    }


def speedups(row):
    """The ratios the goals are about, for one context (None where a side is missing)."""
    ms = row["ms_per_token"]

    def ratio(a, b):
        return ms[a] / ms[b] if ms.get(a) and ms.get(b) else None

    return {"kv_cache_speedup": ratio("uncached eager", "cached compiled"),
            "compiled_vs_torch": ratio("cached compiled", "cached torch"),
            "eager_vs_torch": ratio("cached eager", "cached torch")}
