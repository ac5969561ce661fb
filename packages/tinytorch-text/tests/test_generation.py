"""generate(): greedy and sampled decoding, the KV cache, and a full context window."""

import numpy as np
import pytest

from tinytorch.core import Tensor, no_grad
from tinytorch.text import CharTokenizer, generate_text
from tinytorch.text.generation import _sample

PROMPT = np.array([[1, 5, 5, 2], [4, 4, 10, 7]])  # the tiny GPT's window is 12


def _greedy_reference(model, prompt, n, use_cache):
    """The documented policy, spelled out with plain forward passes (no cache at all).

    The context for the next token is ``out[start:]``. Without a cache, ``start`` keeps the
    last max_seq_len tokens; with one, it jumps to the last max_seq_len // 2 tokens each
    time the window overflows.
    """
    out, window = prompt.copy(), model.max_seq_len
    start = max(0, out.shape[1] - window)
    with no_grad():
        for _ in range(n):
            if out.shape[1] - start > window:
                start = out.shape[1] - (window if not use_cache else window // 2)
            logits = model(out[:, start:]).data[:, -1]
            out = np.concatenate([out, logits.argmax(-1)[:, None]], axis=1)
    return out


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cache_and_no_cache_agree_inside_the_window(tiny_gpt, dtype):
    model = tiny_gpt(dtype)
    n = model.max_seq_len - PROMPT.shape[1]  # fills the window exactly
    with_cache = model.generate(PROMPT, n, temperature=0, use_cache=True)
    without = model.generate(PROMPT, n, temperature=0, use_cache=False)
    assert with_cache.shape == (2, 12) and with_cache.dtype == np.int64
    np.testing.assert_array_equal(with_cache[:, :4], PROMPT)
    np.testing.assert_array_equal(with_cache, without)
    np.testing.assert_array_equal(with_cache, _greedy_reference(model, PROMPT, n, use_cache=False))


@pytest.mark.parametrize("use_cache", [True, False])
def test_past_the_window_follows_the_sliding_policy(tiny_gpt, use_cache):
    model = tiny_gpt()
    n = 3 * model.max_seq_len  # several refills of the cache
    out = model.generate(PROMPT, n, temperature=0, use_cache=use_cache)
    assert out.shape == (2, 4 + n)
    np.testing.assert_array_equal(out, _greedy_reference(model, PROMPT, n, use_cache))


def test_a_prompt_longer_than_the_window_is_cropped(tiny_gpt):
    model = tiny_gpt()
    prompt = np.random.default_rng(0).integers(0, 11, (1, 20))
    for use_cache in (True, False):
        out = model.generate(prompt, 5, temperature=0, use_cache=use_cache)
        assert out.shape == (1, 25)
        np.testing.assert_array_equal(out, _greedy_reference(model, prompt, 5, use_cache))


def test_temperature_zero_or_below_is_greedy(tiny_gpt):
    model = tiny_gpt()
    greedy = model.generate(PROMPT, 6, temperature=0, seed=1)
    np.testing.assert_array_equal(model.generate(PROMPT, 6, temperature=-1.0, seed=2), greedy)
    np.testing.assert_array_equal(model.generate(PROMPT, 6, top_k=1, seed=3), greedy)


def test_seeded_sampling_is_reproducible(tiny_gpt):
    model = tiny_gpt()
    a = model.generate(PROMPT, 20, temperature=2.0, seed=7)
    np.testing.assert_array_equal(model.generate(PROMPT, 20, temperature=2.0, seed=7), a)
    inside = model.generate(PROMPT, 8, temperature=2.0, seed=7)  # the same draws, cache or not
    np.testing.assert_array_equal(model.generate(PROMPT, 8, temperature=2.0, seed=7, use_cache=False), inside)
    assert not np.array_equal(model.generate(PROMPT, 20, temperature=2.0, seed=8), a)


def test_sampling_follows_the_softmax_and_top_k():
    logits = np.log(np.array([[0.1, 0.2, 0.3, 0.4]] * 20000))
    rng = np.random.default_rng(0)
    counts = np.bincount(_sample(logits, 1.0, None, rng), minlength=4) / 20000
    np.testing.assert_allclose(counts, [0.1, 0.2, 0.3, 0.4], atol=0.015)
    counts = np.bincount(_sample(logits, 1.0, 2, rng), minlength=4) / 20000
    np.testing.assert_allclose(counts, [0, 0, 3 / 7, 4 / 7], atol=0.015)
    hot = np.bincount(_sample(logits, 0.1, None, rng), minlength=4) / 20000  # low temperature sharpens
    assert hot[3] > 0.9


def test_prompt_forms_and_training_mode(tiny_gpt):
    model = tiny_gpt()
    assert model.training
    single = model.generate(PROMPT[0], 3, temperature=0)
    assert single.shape == (7,)
    np.testing.assert_array_equal(single, model.generate(Tensor(PROMPT), 3, temperature=0)[0])
    np.testing.assert_array_equal(model.generate(PROMPT, 0), PROMPT)
    assert model.training  # generate switches to eval mode and back


@pytest.mark.parametrize("prompt, message", [
    (np.array([[1, 11, -2]]), r"prompt ids \[-2, 11\] are outside the model's vocabulary 0..10"),
    (np.array([[0.5, 1.0]]), "integer token ids"),
    (np.zeros((1, 0), np.int64), "at least one token"),
])
def test_bad_prompts_are_explained(tiny_gpt, prompt, message):
    with pytest.raises(ValueError, match=message):
        tiny_gpt().generate(prompt, 2)


def test_bad_options_are_explained(tiny_gpt):
    model = tiny_gpt()
    with pytest.raises(ValueError, match="max_new_tokens must be a non-negative integer, found -1"):
        model.generate(PROMPT, -1)
    with pytest.raises(ValueError, match="top_k must be a positive integer or None, found 0"):
        model.generate(PROMPT, 2, top_k=0)


def test_generate_text_and_unknown_characters(tiny_gpt):
    tokenizer = CharTokenizer.from_text("abcdefghijk")
    model = tiny_gpt()
    text = generate_text(model, tokenizer, "abc", 5, temperature=0)
    assert len(text) == 8 and text.startswith("abc")
    with pytest.raises(ValueError, match=r"2 character\(s\) not in the vocabulary.*'Z', '!'"):
        generate_text(model, tokenizer, "abZ!", 5)
