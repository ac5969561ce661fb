"""Tasks: what one query is, and what quality means, for each kind of model.

MLPerf measures accuracy and performance through the same system under test: the code
that answers a timed query is the code that is scored for accuracy. Here each task has
one ``predict``-like method both go through.

* **Classifier** (the digits MLP, LeNet on MNIST): ``predict(x)`` is ``model(x)``. Quality
  is accuracy on the whole test split; a SingleStream query is one example (batch 1);
  Offline runs batches of the data's batch size.
* **Language model** (the char GPT): ``step(ids, cache)`` is ``model(ids, cache=cache)``,
  with a KV cache if the ``kv-cache`` pass switched one on (``decode_with_cache``), else
  without (the eager baseline recomputes the whole window for every token). Quality is
  the validation loss in nats per character and the next-token accuracy over the whole
  validation split, every window run through ``step`` from an empty cache. A
  SingleStream query is one greedily generated token at batch 1 with the context window
  full, as ``tinytorch.text.generation`` decodes (when the cache fills it is refilled
  from the last half window); time to first token is a prefill of half a window plus
  the choice of the token. Offline decodes as many streams at once as the data's batch
size (16 on the language track): tokens per second.

Read next: ``profiler.py``, which calls ``measure`` and adds bytes, FLOPs and layers.
"""

import numpy as np

from tinytorch.core import no_grad
from tinytorch.core.data import DataLoader
from tinytorch.optim.trainer import count_correct

from . import loadgen

LANGUAGE_QUALITY_BATCH = 32  # windows per forward: a full batch of long windows would not fit


def is_language_model(model):
    return callable(getattr(model, "new_cache", None)) and hasattr(model, "max_seq_len")


def cache_bytes(model):
    """Bytes of the KV cache at full context, batch 1, if the model decodes with one; else 0."""
    if not getattr(model, "decode_with_cache", False):
        return 0
    return int(sum(layer.k.nbytes + layer.v.nbytes for layer in model.new_cache(1)))


class Evaluating:
    """Eval mode and no graph for the block, the model's mode restored after."""

    def __init__(self, model):
        self.model, self.no_grad = model, no_grad()

    def __enter__(self):
        self.was_training = self.model.training
        self.model.eval()
        self.no_grad.__enter__()

    def __exit__(self, *exc):
        self.no_grad.__exit__(*exc)
        self.model.train(self.was_training)


class ClassifierTask:
    def __init__(self, model, test_loader, batch_size, latency_batch=1):
        self.model, self.loader, self.batch_size = model, test_loader, batch_size
        self.latency_batch = latency_batch

    def predict(self, x):
        return self.model(x).data

    def quality(self):
        right = total = 0
        for x, y in self.loader:
            right += count_correct(self.predict(x), y.data)  # argmax, or logit > 0 for one logit
            total += y.data.size
        return {"accuracy": right / max(total, 1), "test_examples": total}

    def measure(self, settings):
        one = first_examples(self.loader.dataset, self.latency_batch)
        batch = first_examples(self.loader.dataset, self.batch_size)
        with Evaluating(self.model):
            result = self.quality()
            stream = loadgen.single_stream(lambda: self.predict(one), settings)
            result["throughput"] = loadgen.offline(lambda: self.predict(batch), len(batch))
        return {**result, "latency_ms": _latency(stream), "loadgen": stream.as_dict(),
                "latency_batch_size": len(one), "throughput_batch_size": len(batch), "throughput_unit": "examples/s"}


class LanguageTask:
    def __init__(self, model, test_loader, batch_size):
        self.model, self.dataset, self.batch_size = model, test_loader.dataset, batch_size
        self.cached = bool(getattr(model, "decode_with_cache", False))

    def step(self, ids, cache):
        if cache is None:
            return self.model(ids).data  # after the compile pass, a compiled forward replays here
        # The compile pass compiles the uncached forward only; a cached step runs the class's
        # own forward, eagerly, for quality and timing alike.
        return type(self.model).forward(self.model, ids, cache=cache).data

    def new_cache(self, batch):
        return self.model.new_cache(batch) if self.cached else None

    def quality(self):
        """Validation loss (nats per token) and next-token accuracy over every window."""
        loss = right = total = 0
        for x, y in DataLoader(self.dataset, batch_size=LANGUAGE_QUALITY_BATCH):
            logits = self.step(x.data, self.new_cache(len(x))).astype(np.float64)
            z = logits - logits.max(axis=-1, keepdims=True)
            log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
            targets = y.data[..., None]
            loss -= float(np.take_along_axis(log_p, targets, axis=-1).sum())
            right += int((logits.argmax(axis=-1) == y.data).sum())
            total += y.data.size
        return {"loss": loss / total, "accuracy": right / total, "test_examples": total}

    def measure(self, settings):
        window = self.model.max_seq_len
        with Evaluating(self.model):
            result = self.quality()
            prompt = first_examples(self.dataset, 1).data[:, :window]
            decode = Decoder(self, prompt)
            stream = loadgen.single_stream(decode, settings)
            first = loadgen.single_stream(lambda: Decoder(self, prompt[:, : max(window // 2, 1)]).choose(), settings)
            streams = first_examples(self.dataset, self.batch_size).data[:, :window]
            result["throughput"] = loadgen.offline(Decoder(self, streams), len(streams), min_batches=20)
        return {**result, "latency_ms": _latency(stream), "loadgen": stream.as_dict(),
                "time_to_first_token_ms": _latency(first), "latency_batch_size": 1,
                "throughput_batch_size": len(streams), "throughput_unit": "tokens/s",
                "context": window, "decode_with_cache": self.cached, "kv_cache_bytes": cache_bytes(self.model)}


class Decoder:
    """Greedy decoding, one token per call, the way ``tinytorch.text.generation`` does it.

    The prompt is run first (prefill). Without a cache each call then runs the last
    ``max_seq_len`` tokens again; with one it runs only the newest token, and when the
    cache is full it is refilled from the last half window.
    """

    def __init__(self, task, prompt):
        self.task, self.window = task, task.model.max_seq_len
        self.ids = np.asarray(prompt, dtype=np.int64)
        self.cache = task.new_cache(len(self.ids))
        self.logits = self.prefill(self.ids if self.cache is None else self.ids[:, -max(self.window // 2, 1):])

    def prefill(self, ids):
        if self.cache is not None:
            for layer in self.cache:
                layer.reset()
        return self.task.step(ids, self.cache)[:, -1]

    def choose(self):
        return self.logits.argmax(axis=-1)

    def __call__(self):
        token = self.choose()[:, None]
        self.ids = np.concatenate([self.ids[:, 1 - self.window:], token], axis=1)  # keep one window
        if self.cache is None:
            self.logits = self.prefill(self.ids)
        elif self.cache[0].length == self.window:
            self.logits = self.prefill(self.ids[:, -max(self.window // 2, 1):])
        else:
            self.logits = self.task.step(token, self.cache)[:, -1]
        return token


def make_task(model, test_loader, batch_size, latency_batch=1):
    """The task that fits ``model``: a language model (``new_cache``) or a classifier."""
    if is_language_model(model):
        return LanguageTask(model, test_loader, batch_size)
    return ClassifierTask(model, test_loader, batch_size, latency_batch)


def first_examples(dataset, count):
    """The first ``count`` inputs of ``dataset``, as one batch."""
    return next(iter(DataLoader(dataset, batch_size=min(count, len(dataset)))))[0]


def _latency(stream):
    return {"p50": stream.p50, "p90": stream.p90, "p99": stream.p99, "mean": stream.mean}
