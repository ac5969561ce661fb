"""LoadGen-style measurement: the early-stopping p90, SingleStream's minimums, quick mode."""

import math

import numpy as np
import pytest

from tinytorch.bench.olympics import loadgen


def brute_force_odds(h, t, p):
    n = h + t
    return sum(math.comb(n, x) * (1 - p) ** x * p ** (n - x) for x in range(t + 1))


@pytest.mark.parametrize("h, t", [(10, 0), (63, 1), (200, 12), (900, 80)])
def test_odds_is_the_binomial_tail(h, t):
    assert loadgen.odds(h, t, 0.9) == pytest.approx(brute_force_odds(h, t, 0.9), rel=1e-9)


def test_the_fewest_queries_for_a_p90_estimate_match_loadgen():
    # LoadGen: "Need to process at least 64 queries for early stopping" at the 90th percentile
    assert loadgen.min_passing(1, 0.9) + 1 == 64
    h = loadgen.min_passing(5, 0.9)
    assert brute_force_odds(h, 5, 0.9) < 0.01 <= brute_force_odds(h - 1, 5, 0.9)


def test_too_few_queries_give_no_estimate():
    assert loadgen.early_stopping_estimate(np.arange(63.0)) == (None, 0)
    estimate, discarded = loadgen.early_stopping_estimate(np.arange(64.0))
    assert estimate == 63.0 and discarded == 0  # just enough: the slowest query


def test_the_estimate_is_a_latency_above_the_sample_p90_and_tightens_with_more_queries():
    rng = np.random.default_rng(0)
    gaps = []
    for n in (1024, 8192):
        latencies = rng.exponential(1.0, n)
        estimate, discarded = loadgen.early_stopping_estimate(latencies)
        assert estimate in latencies and estimate >= np.percentile(latencies, 90)
        assert discarded > 0
        gaps.append(estimate / np.percentile(latencies, 90))
    assert gaps[1] < gaps[0]


def test_the_estimate_matches_loadgens_linear_scan():
    latencies = np.random.default_rng(1).exponential(1.0, 500)
    n, t = len(latencies), 1
    for i in range(2, n + 1):  # results.cc: the first i that n queries cannot support
        if n < loadgen.min_passing(i, 0.9) + i:
            t = i - 1
            break
    assert loadgen.early_stopping_estimate(latencies)[0] == np.sort(latencies)[n - t]


def test_single_stream_runs_until_both_minimums_are_met():
    calls = []
    result = loadgen.single_stream(lambda: calls.append(1), loadgen.Settings(min_queries=100, min_seconds=0.05))
    assert result.queries >= 100 and result.seconds >= 0.05
    assert len(calls) == result.queries + 5  # five untimed warm-up queries
    assert result.p50 <= result.p99 and result.p90_early_stopping
    assert result.short.startswith("minimums set below the rules")


def test_quick_mode_is_marked_and_never_valid():
    settings = loadgen.Settings.from_config({"quick": True})
    result = loadgen.single_stream(lambda: None, settings)
    assert result.mode == "quick" and result.queries == 64 and "quick mode" in result.short


def test_the_rules_minimums_are_the_default_and_leave_nothing_short():
    settings = loadgen.Settings.from_config({"warmup": 3})
    assert (settings.min_queries, settings.min_seconds) == (1024, 10.0)
    assert settings.shortfall() is None


def test_offline_counts_items_per_second():
    rate = loadgen.offline(lambda: sum(range(1000)), items=16, min_batches=5, min_seconds=0.01)
    assert rate > 0
