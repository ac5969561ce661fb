"""The five events: scores on known numbers, disqualification, options, plausibility warnings."""

import pytest

from tinytorch.bench.olympics import events as olympics
from tinytorch.core import plugins


def measured(accuracy, p50, model_bytes, examples=1000):
    return {"accuracy": accuracy, "latency_ms": {"p50": p50, "p90": p50 * 1.2}, "model_bytes": model_bytes,
            "test_examples": examples}


BASE = measured(0.96, 2.0, 40_000)


def score(name, optimized, **options):
    return plugins.lookup("events", name).score(BASE, optimized, options)


def test_the_five_events_register_through_the_hook():
    found = plugins.registry("events")
    assert {"latency", "memory", "accuracy", "all_around", "extreme"} <= set(found)
    for name in ("latency", "memory", "accuracy", "all_around", "extreme"):
        event = found[name].obj
        assert found[name].dist == "tinytorch-bench"
        assert all(word in event.rules for word in ("Metric:", "Constraint:", "Score:"))


def test_scores_on_known_numbers():
    opt = measured(0.955, 0.5, 10_000)  # 4x faster, 4x smaller, 99.48% of the accuracy
    assert score("latency", opt)["score"] == pytest.approx(4.0)
    assert score("memory", opt)["score"] == pytest.approx(4.0)
    assert score("extreme", opt)["score"] == pytest.approx(4.0)
    assert score("accuracy", opt)["score"] == pytest.approx(0.955 / 0.96)
    assert score("all_around", opt)["score"] == pytest.approx((4 * 4 * 0.955 / 0.96) ** (1 / 3))
    result = score("memory", opt)
    assert result["qualified"] and "reason" not in result
    assert result["name"] == "memory" and result["title"] == "Memory Challenge"
    assert result["accuracy_drop"] == pytest.approx(0.005)


def test_below_the_accuracy_floor_is_disqualified_with_the_reason():
    opt = measured(0.94, 0.5, 10_000)  # 97.9% of the baseline's accuracy
    result = score("memory", opt)
    assert not result["qualified"]
    assert result["reason"] == "accuracy is 97.92% of the baseline's, below the required 99%"
    assert result["score"] == pytest.approx(4.0)  # still measured, but it does not count
    assert score("extreme", opt)["qualified"]  # Extreme Push's floor is looser: 95%
    assert score("memory", opt, min_accuracy_ratio=0.97)["qualified"]


def test_the_accuracy_contest_has_a_bytes_budget():
    result = score("accuracy", measured(0.97, 2.0, 30_000))
    assert not result["qualified"] and "0.75x the baseline's bytes, over the budget of 0.5x" in result["reason"]
    assert score("accuracy", measured(0.97, 2.0, 30_000), max_bytes_ratio=0.8)["qualified"]


@pytest.mark.parametrize("options, message", [
    ({"min_accuracy_ratoi": 0.9}, "unknown option 'min_accuracy_ratoi'.*did you mean 'min_accuracy_ratio'"),
    ({"min_accuracy_ratio": 1.5}, r"must be a fraction in \(0, 1\]"),
    ({"max_bytes_ratio": 0.5}, "unknown option 'max_bytes_ratio'"),  # only the accuracy contest has one
])
def test_bad_options_are_refused(options, message):
    with pytest.raises(ValueError, match=message):
        plugins.lookup("events", "memory").validate(options)


def test_accuracy_up_after_untrained_passes_is_flagged():
    up = measured(0.99, 2.0, 10_000)  # +3 points on 1000 examples: far beyond noise
    assert any("accuracy rose" in w for w in olympics.warnings(BASE, up, epochs_trained=0))
    assert olympics.warnings(BASE, up, epochs_trained=3) == []  # fine-tuning may improve it
    noise = measured(0.962, 2.0, 10_000)  # +2 examples: noise
    assert olympics.warnings(BASE, noise, epochs_trained=0) == []


def test_a_speedup_over_fifty_is_flagged():
    fast = measured(0.96, 2.0 / 60, 40_000)
    assert any("60x faster" in w for w in olympics.warnings(BASE, fast, epochs_trained=0))
    assert olympics.warnings(BASE, measured(0.96, 2.0 / 40, 40_000), epochs_trained=0) == []
