"""KV cache: generate text without recomputing the past.

A GPT generating token t attends to every earlier token's key and value. Without a
cache each new token runs the whole sequence through the model again; with one, the
keys and values computed so far are kept and each step runs only the newest token.
The machinery lives in ``tinytorch.text`` (``GPT.generate(..., use_cache=True)``, see
its ``generation.py``); this pass switches it on for the optimized model and checks
that it applies:

* before training, that the model can generate with a cache at all (an MLP cannot);
* after training, that cached and uncached greedy generation pick the same tokens
  from a prompt taken from the test data, and how much faster the cached one is.

The pass marks the model ``decode_with_cache``; the Olympics profiler then decodes it
with a cache (``tinytorch.bench.olympics.tasks``), where an unmarked GPT, like the
baseline, decodes eagerly, recomputing the whole window for every token.

Read next: ``tinytorch.bench.olympics.profiler``, which measures what the passes did.
"""

import functools
import time

import numpy as np

from .base import Pass, is_int


def can_generate_with_cache(model):
    return callable(getattr(model, "generate", None)) and callable(getattr(model, "new_cache", None))


class CachedDecoding(Pass):
    """``{name: kv-cache, check_tokens: 16}``: cached generation on, checked against uncached.

    Named for what it does to the model, so that it is not confused with the cache itself
    (``nn.KVCache``, which this pass switches on)."""

    name = "kv-cache"
    defaults = {"check_tokens": 16}

    def validate(self, options, model, info):
        o = self.options(options)
        n = o["check_tokens"]
        self.expect(is_int(n) and n > 0, "check_tokens", "a positive integer", n)
        if not can_generate_with_cache(model):
            raise ValueError(
                f"kv-cache: cached generation needs a GPT-style model with generate() and "
                f"new_cache(), but this config builds a {type(model).__name__}; remove the "
                f"kv-cache pass, or use a text model such as model: {{name: gpt}}"
            )

    def apply(self, model, options, context):
        o = self.options(options)
        prompt = self._prompt(model, context)
        new = max(1, min(o["check_tokens"], model.max_seq_len - prompt.shape[1]))
        timings = {}
        for use_cache in (False, True):
            model.generate(prompt, 1, temperature=0, use_cache=use_cache)  # warm-up, untimed
            start = time.perf_counter()
            tokens = model.generate(prompt, new, temperature=0, use_cache=use_cache)
            timings[use_cache] = (time.perf_counter() - start, tokens)
        (slow, plain), (fast, cached) = timings[False], timings[True]
        if not np.array_equal(plain, cached):
            raise RuntimeError(
                f"kv-cache: cached generation chose different tokens from uncached on the same "
                f"prompt ({cached[0, -new:].tolist()} vs {plain[0, -new:].tolist()}); the cache is broken"
            )
        model.generate = functools.partial(model.generate, use_cache=True)
        model.decode_with_cache = True  # what the Olympics profiler's decode latency reads
        context.report.update(tokens_checked=new, tokens_per_second_uncached=new / slow,
                              tokens_per_second_cached=new / fast)
        return model

    @staticmethod
    def _prompt(model, context):
        """The first few tokens of the first test example (half the context window at most)."""
        length = max(1, min(8, model.max_seq_len // 2))
        if context.test_loader is not None:
            x, _ = next(iter(context.test_loader))
            return np.asarray(x.data[:1, :length], dtype=np.int64)
        return np.zeros((1, length), dtype=np.int64)
