"""LoadGen-style measurement: how MLPerf Inference times a model, and when a run counts.

MLPerf's load generator (LoadGen, github.com/mlcommons/inference, ``loadgen/``) does not
trust a handful of timed calls. We follow two of its scenarios:

* **SingleStream**: one query at a time, the next issued when the last returns, as a
  phone answering one user would. The run goes on until *both* minimums are met: at
  least ``min_queries`` queries (1,024 by default) and at least ``min_seconds`` (10 s).
  A short run is at the mercy of one hiccup; a long one sees the machine as it is.
* **Offline**: all the data at once, in batches; the score is items per second.

**The p90, with early stopping.** The p90 of 1,024 samples is itself a noisy estimate of
the true 90th percentile. LoadGen reports a value that is, with 99% confidence, at least
the true p90 (``loadgen/early_stopping.cc``). If ``t`` queries are "over latency" out of
``n``, the chance of seeing at most ``t`` of them when the true overlatency rate is
``1 - p`` is a binomial tail. LoadGen finds the largest ``t`` such that ``n`` queries are
still enough to reject, at confidence ``c``, that more than ``1 - p`` of queries are that
slow; the estimate is then the ``t``-th slowest latency. With few queries the estimate
is the slowest one; with none to spare (``n`` below the minimum) there is no estimate.

**Validity.** A run is VALID only if the minimums of the rules were met. A test may ask
for ``quick`` settings; the result says so (``mode: quick``) and is never VALID.

Read next: ``tasks.py``, the queries a classifier and a language model answer.
"""

import math
import time
from dataclasses import asdict, dataclass

import numpy as np

RULE_MIN_QUERIES = 1024  # MLPerf Inference's SingleStream minimums
RULE_MIN_SECONDS = 10.0
CONFIDENCE = 0.99


@dataclass(frozen=True)
class Settings:
    """How long to measure. ``quick`` drops the minimums to a few queries (for tests)."""

    min_queries: int = RULE_MIN_QUERIES
    min_seconds: float = RULE_MIN_SECONDS
    warmup: int = 5
    quick: bool = False

    @classmethod
    def from_config(cls, bench):
        """From a config's ``benchmark:`` section (``min_queries``, ``min_seconds``, ``warmup``, ``quick``)."""
        if bench.get("quick"):
            return cls(min_queries=64, min_seconds=0.0, warmup=1, quick=True)
        return cls(bench.get("min_queries", RULE_MIN_QUERIES), bench.get("min_seconds", RULE_MIN_SECONDS),
                   bench.get("warmup", 5))

    def shortfall(self):
        """Why these settings cannot give a VALID run, or None."""
        if self.quick:
            return "quick mode (for tests): the minimums were not enforced"
        if self.min_queries < RULE_MIN_QUERIES or self.min_seconds < RULE_MIN_SECONDS:
            return (f"minimums set below the rules ({self.min_queries} queries, {self.min_seconds:g} s; "
                    f"VALID needs >= {RULE_MIN_QUERIES} and >= {RULE_MIN_SECONDS:g} s)")
        return None


# -- early stopping (after loadgen/early_stopping.cc) --------------------------------------


def odds(h, t, p):
    """Chance of ``t`` or fewer overlatency queries among ``h + t``, each over with chance ``1 - p``.

    The binomial CDF, summed in log space: term x is C(n, x) (1-p)^x p^(n-x), and
    log C(n, x) is a running sum of log((n - k + 1) / k), so a long run costs no loop.
    """
    n = h + t
    x = np.arange(t + 1)
    log_choose = np.concatenate([[0.0], np.cumsum(np.log((n - x[1:] + 1) / x[1:]))])
    log_terms = log_choose + x * math.log1p(-p) + (n - x) * math.log(p)
    top = log_terms.max()
    return float(math.exp(top) * np.exp(log_terms - top).sum())


def min_passing(t, p, confidence=CONFIDENCE):
    """The fewest under-latency queries ``h`` such that ``odds(h, t, p) < 1 - confidence``."""
    low, high = 1, 2
    while odds(high, t, p) >= 1 - confidence:  # grow an upper bound, then bisect
        low, high = high, 2 * high
    while low < high:
        mid = (low + high) // 2
        if odds(mid, t, p) < 1 - confidence:
            high = mid
        else:
            low = mid + 1
    return low


def early_stopping_estimate(latencies, percentile=0.9, confidence=CONFIDENCE):
    """``(estimate, discarded)``: LoadGen's upper bound on the true ``percentile`` latency, or
    ``(None, 0)`` when there are too few queries (fewer than ``min_passing(1) + 1``).

    LoadGen scans t = 1, 2, ... for the first t that ``n`` queries cannot support
    (``n < min_passing(t) + t``) and reports the ``t - 1``-th slowest latency; the test
    is monotone in t, so we bisect for the same t.
    """
    ordered = np.sort(np.asarray(latencies, dtype=float))
    n = len(ordered)
    if n < min_passing(1, percentile, confidence) + 1:
        return None, 0
    low, high = 1, n  # invariant: t = low is supported; t = high + 1 is not
    while low < high:
        mid = (low + high + 1) // 2
        if n >= min_passing(mid, percentile, confidence) + mid:
            low = mid
        else:
            high = mid - 1
    return float(ordered[n - low]), low - 1


# -- the scenarios -------------------------------------------------------------------------


@dataclass
class SingleStreamResult:
    p50: float
    p90: float  # the early-stopping estimate (the sample p90 when there are too few queries)
    p99: float
    mean: float
    p90_sample: float
    p90_early_stopping: bool  # whether p90 is the early-stopping estimate
    queries: int
    seconds: float
    mode: str  # "full" or "quick"
    short: str = None  # why the run falls short of the rules, or None

    def as_dict(self):
        return asdict(self)


def single_stream(issue, settings):
    """Time ``issue()`` (one query) back to back until ``settings``' minimums are met; ms."""
    for _ in range(settings.warmup):
        issue()
    times = []
    start = time.perf_counter()
    while len(times) < settings.min_queries or time.perf_counter() - start < settings.min_seconds:
        begin = time.perf_counter()
        issue()
        times.append((time.perf_counter() - begin) * 1000)
    seconds = time.perf_counter() - start
    p50, p90, p99 = np.percentile(times, [50, 90, 99])
    estimate, _ = early_stopping_estimate(times)
    return SingleStreamResult(
        p50=float(p50), p90=float(p90 if estimate is None else estimate), p99=float(p99),
        mean=float(np.mean(times)), p90_sample=float(p90), p90_early_stopping=estimate is not None,
        queries=len(times), seconds=seconds, mode="quick" if settings.quick else "full",
        short=settings.shortfall(),
    )


def offline(run_batch, items, min_batches=10, min_seconds=0.5, warmup=2):
    """Items per second: ``run_batch()`` processes ``items`` items; at least ``min_batches``
    calls and ``min_seconds`` long."""
    for _ in range(warmup):
        run_batch()
    calls, start = 0, time.perf_counter()
    while calls < min_batches or time.perf_counter() - start < min_seconds:
        run_batch()
        calls += 1
    return items * calls / (time.perf_counter() - start)
