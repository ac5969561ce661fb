"""Generation: sample one token, append it, repeat.

Each step asks the model for the logits of the next token, turns them into a choice
and appends it to the sequence:

- ``temperature`` divides the logits before the softmax: below 1 sharpens the
  distribution, above 1 flattens it. ``temperature <= 0`` means greedy decoding
  (always the most likely token), with no randomness at all.
- ``top_k`` keeps only the k most likely tokens, so a long tail of unlikely ones
  cannot be drawn.
- ``seed`` makes sampling reproducible.

**KV cache.** Without a cache, step t runs the whole sequence through the model again:
O(T) positions per step. With one (``use_cache=True``, `attention.KVCache`), the
prompt is run once to fill the cache ("prefill") and each step then feeds only the
newest token, reusing every earlier key and value. Both give the same tokens while
the sequence fits the model's context window.

**A full context window.** The model has ``max_seq_len`` positions. Past that we slide
a window over the text:

- without a cache, every step reads the last ``max_seq_len`` tokens;
- with a cache, when it is full we re-prefill it from the last ``max_seq_len // 2``
  tokens and carry on. Re-running a half window every half window keeps the cost per
  token constant; the price is that right after a refill the model sees only half a
  window of context, so past the window the two modes may choose different tokens.

**Compiled decoding** (``compile=True``, the default). A cached step feeds one token,
and at batch 1 its cost is mostly Python around a few dozen kernels, so each step runs
through ``tinytorch.core.compile``: the first two steps are recorded, later ones replay
the kernels only. The steps differ only in the cache length, and the views that depend
on it (the keys and values so far, the row the new ones are written to, the position
embedding) are *symbolic*: rebuilt from the length at each replay, so one recording
serves every length, also after a refill. Tokens are identical to eager decoding
(replay calls the same kernels on the same numbers). Without a cache the sequence
grows each step, so its forward is compiled only once it fills the window.

Read next: `datasets.py`, the text the model learns from.
"""

import numpy as np

from tinytorch.core import Tensor, no_grad
from tinytorch.core.compile import compile as compile_forward


def generate(model, ids, max_new_tokens, temperature=1.0, top_k=None, seed=None, use_cache=True,
             compile=True):
    """Continue each row of ``ids`` by ``max_new_tokens`` tokens.

    ``ids``: an int array or Tensor (B, T), or (T,) for a single prompt. Returns a NumPy
    int64 array (B, T + max_new_tokens) (or (T + max_new_tokens,)): the prompt, then the
    new tokens. ``model`` needs ``max_seq_len``, ``vocab_size``, ``forward(ids, cache)``
    and ``new_cache(batch_size)``, as `GPT` has. ``compile=False`` runs every step eagerly.
    """
    ids = _check_prompt(ids, model.vocab_size)
    single = ids.ndim == 1
    out = ids[None] if single else ids
    _check_options(max_new_tokens, top_k)
    rng = np.random.default_rng(seed)
    window = model.max_seq_len
    was_training = model.training
    model.eval()  # no dropout while generating
    try:
        with no_grad():
            if use_cache:
                cache = model.new_cache(len(out))
                decode = _decoder(model, cache, compile)
                logits = _prefill(model, out[:, -window:], cache)
            else:
                forward = _windowed(model, window, compile)
                logits = forward(out)
            for step in range(max_new_tokens):
                token = _sample(logits, temperature, top_k, rng)
                out = np.concatenate([out, token[:, None]], axis=1)
                if step == max_new_tokens - 1:
                    break  # do not pay for logits nobody will use
                if not use_cache:
                    logits = forward(out)
                elif cache[0].length == window:  # full: slide to the last half window
                    logits = _prefill(model, out[:, -max(window // 2, 1):], cache)
                else:
                    logits = decode(token[:, None])
    finally:
        model.train(was_training)
    return out[0] if single else out


def generate_text(model, tokenizer, prompt, max_new_tokens, **options):
    """Encode ``prompt`` with ``tokenizer``, `generate`, and decode the whole text."""
    ids = np.array([tokenizer.encode(prompt)], dtype=np.int64)
    return tokenizer.decode(generate(model, ids, max_new_tokens, **options)[0])


def _windowed(model, window, compiled):
    """``forward(ids) -> logits`` of the last ``window`` ids. Compiled only once the window
    is full: before that every step has a new length, and a recording would never replay."""
    run = compile_forward(model) if compiled else model

    def forward(ids):
        return _last((run if ids.shape[1] >= window else model)(ids[:, -window:]))

    return forward


def _decoder(model, cache, compiled):
    """``step(token) -> logits``: one cached decoding step, compiled or eager."""
    if not compiled:
        return lambda token: _last(model(token, cache=cache))
    run = compile_forward(lambda token: model(token, cache=cache), state=model)

    def step(token):
        length = cache[0].length
        logits = run(token, length=length)
        for layer in cache:  # a replay writes the cache but runs none of its Python
            layer.length = length + 1
        return _last(logits)

    return step


def _prefill(model, ids, cache):
    for layer in cache:
        layer.reset()
    return _last(model(ids, cache=cache))


def _last(logits):
    return logits.data[:, -1, :]


def _sample(logits, temperature, top_k, rng):
    """One token id per row of ``logits`` (B, V)."""
    if temperature <= 0:
        return logits.argmax(axis=-1).astype(np.int64)
    logits = logits.astype(np.float64) / temperature
    if top_k is not None and top_k < logits.shape[-1]:
        kth = np.partition(logits, -top_k, axis=-1)[:, -top_k, None]
        logits = np.where(logits < kth, -np.inf, logits)
    probs = np.exp(logits - logits.max(axis=-1, keepdims=True))
    cdf = np.cumsum(probs, axis=-1)
    # Inverse-CDF sampling: the first token whose cumulative mass passes u.
    u = rng.random((len(cdf), 1)) * cdf[:, -1:]
    return np.minimum((cdf <= u).sum(axis=-1), cdf.shape[-1] - 1).astype(np.int64)


def _check_prompt(ids, vocab_size):
    ids = np.asarray(ids.data if isinstance(ids, Tensor) else ids)
    if ids.dtype.kind not in "iu" or ids.ndim not in (1, 2):
        raise ValueError(
            f"generate expects integer token ids of shape (batch, time) or (time,), found "
            f"dtype {ids.dtype} and shape {ids.shape}; encode text with a tokenizer first"
        )
    if ids.shape[-1] == 0:
        raise ValueError("generate needs a prompt of at least one token, found an empty one")
    bad = ids[(ids < 0) | (ids >= vocab_size)]
    if bad.size:
        raise ValueError(
            f"prompt ids {np.unique(bad)[:5].tolist()} are outside the model's vocabulary "
            f"0..{vocab_size - 1}; encode with the tokenizer the model was trained with"
        )
    return ids.astype(np.int64)


def _check_options(max_new_tokens, top_k):
    if not isinstance(max_new_tokens, (int, np.integer)) or max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be a non-negative integer, found {max_new_tokens!r}")
    if top_k is not None and (not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"top_k must be a positive integer or None, found {top_k!r}")
