"""The TorchPerf Olympics: five events that score an optimized model against its baseline.

Every event compares two sets of numbers measured in the same run, on the same machine,
by ``profiler.benchmark``: the trained baseline and the model the passes made of it.
Ratios of the two, not absolute numbers, are scored, so results from different
machines can share a leaderboard. As in MLPerf, an event sets a quality target relative
to the baseline: for a classifier an accuracy floor (``min_accuracy_ratio``: 0.99 means
at least 99% of the baseline's accuracy), for a language model a validation-loss ceiling
(``max_loss_ratio``: 1.01 means at most 1% above the baseline's loss); a model that
misses it is disqualified, with the reason. A result is VALID when it qualifies and
both models were measured to the rules' minimums (``loadgen.py``); ``valid_reason``
says why or why not.

The ratios every event draws on:

    speedup        = baseline p50 latency / optimized p50 latency
    compression    = baseline model bytes / optimized model bytes
    accuracy_ratio = optimized accuracy   / baseline accuracy
    loss_ratio     = optimized loss       / baseline loss      (language models)

For a language model latency is milliseconds per generated token at batch 1 and
accuracy is next-token accuracy (``tasks.py``).

Each event's docstring is its rulebook: ``tt events`` prints it. The events are
registered through the ``tinytorch_register_events`` hook (``plugin.py``) like a third
party's would be; ``warnings`` flags results too good to be true, and
``comparison_table`` is what ``tt run`` prints at the end of an Olympics run.

Read next: ``leaderboard.py``, which ranks runs by these scores.
"""

import inspect
import math

from rich.console import Group
from rich.table import Table
from rich.text import Text

from tinytorch.core import plugins
from tinytorch.core.names import check_options


def ratios(baseline, optimized):
    """``speedup``, ``compression``, ``accuracy_ratio``, ``accuracy_drop`` (a fraction) and,
    for language models, ``loss_ratio``."""
    # region 19 benchmarking: baseline over optimized for latency and bytes, optimized over baseline for accuracy
    found = {
        "speedup": baseline["latency_ms"]["p50"] / optimized["latency_ms"]["p50"],
        "compression": baseline["model_bytes"] / optimized["model_bytes"],
        "accuracy_ratio": optimized["accuracy"] / baseline["accuracy"] if baseline["accuracy"] else 0.0,
        "accuracy_drop": baseline["accuracy"] - optimized["accuracy"],
    }
    # endregion
    if "loss" in baseline and "loss" in optimized:
        found["loss_ratio"] = optimized["loss"] / baseline["loss"]
    return found


def score(section, baseline, optimized):
    """What the event a config's ``event:`` section names makes of ``baseline`` and ``optimized``."""
    options = {k: v for k, v in section.items() if k != "name"}
    return plugins.lookup("events", section["name"]).score(baseline, optimized, options)


def measurement_shortfall(baseline, optimized):
    """Why either measurement falls short of the LoadGen minimums, or None."""
    for name, measured in (("baseline", baseline), ("optimized", optimized)):
        short = measured.get("loadgen", {}).get("short", "no LoadGen record")
        if short:
            return f"{name} measurement: {short}"
    return None


class Event:
    """Base class. A subclass sets ``name``, ``title``, ``defaults`` and writes ``formula``;
    its docstring is the rulebook."""

    name = title = ""
    defaults = {"min_accuracy_ratio": 0.99, "max_loss_ratio": 1.01}

    @property
    def rules(self):
        return inspect.cleandoc(type(self).__doc__)

    def options(self, options=None):
        """``options`` over the defaults, checked; ValueError naming the nearest option."""
        options = dict(options or {})
        check_options(options, self.defaults, prefix=f"event {self.name}: ")
        for key, value in options.items():
            number = not isinstance(value, bool) and isinstance(value, (int, float))
            if key == "max_loss_ratio":
                if not number or value < 1:
                    raise ValueError(f"event {self.name}: {key} must be a number >= 1, found {value!r}")
            elif not number or not 0 < value <= 1:
                raise ValueError(f"event {self.name}: {key} must be a fraction in (0, 1], found {value!r}")
        return {**self.defaults, **options}

    def validate(self, options):
        """Check ``options`` before any work (raises ValueError)."""
        self.options(options)

    def disqualified(self, r, options):
        """Why the result does not count, or None. ``r`` holds the ratios."""
        if "loss_ratio" in r:  # a language model: the validation loss is its quality
            ceiling = options["max_loss_ratio"]
            if r["loss_ratio"] > ceiling:
                return (f"validation loss is {r['loss_ratio']:.4f}x the baseline's, above the "
                        f"allowed {ceiling}x")
            return None
        floor = options["min_accuracy_ratio"]
        if r["accuracy_ratio"] < floor:
            return (f"accuracy is {r['accuracy_ratio']:.2%} of the baseline's, below the "
                    f"required {floor:.0%}")
        return None

    def formula(self, r):
        raise NotImplementedError

    def score(self, baseline, optimized, options=None):
        """``{"name", "title", "score", "qualified", "reason"?, "valid", "valid_reason", "speedup", ...}``."""
        options = self.options(options)
        r = ratios(baseline, optimized)
        reason = self.disqualified(r, options)
        result = {"name": self.name, "title": self.title, "score": self.formula(r), "qualified": reason is None}
        if reason:
            result["reason"] = reason
        short = measurement_shortfall(baseline, optimized)
        result["valid"] = reason is None and short is None
        result["valid_reason"] = reason or short or (
            "quality target met and both models measured to the minimums "
            f"({baseline['loadgen']['queries']:,} and {optimized['loadgen']['queries']:,} queries)")
        return {**result, **r}


class LatencySprint(Event):
    """Latency Sprint: answer one request faster.

    Metric:     p50 latency of one query at batch 1, SingleStream: one example
                (classifier), one generated token with the context full (language model).
    Constraint: classifier: accuracy >= min_accuracy_ratio (default 0.99) x the baseline's;
                language model: validation loss <= max_loss_ratio (default 1.01) x the baseline's.
    Score:      speedup = baseline p50 latency / optimized p50 latency (higher wins).
    """

    name, title = "latency", "Latency Sprint"

    def formula(self, r):
        return r["speedup"]


class MemoryChallenge(Event):
    """Memory Challenge: store the model in fewer bytes.

    Metric:     model bytes as stored (an int8 weight is 1 byte, a float32 one 4), for
                both kinds; a language model also reports KV-cache bytes at full context.
    Constraint: classifier: accuracy >= min_accuracy_ratio (default 0.99) x the baseline's;
                language model: validation loss <= max_loss_ratio (default 1.01) x the baseline's.
    Score:      compression = baseline bytes / optimized bytes (higher wins).
    """

    name, title = "memory", "Memory Challenge"

    def formula(self, r):
        return r["compression"]


class AccuracyContest(Event):
    """Accuracy Contest: shrink the model and keep (or gain) accuracy.

    Metric:     test accuracy (classifier) or next-token accuracy on the validation
                split (language model) of the optimized model.
    Constraint: classifier: accuracy >= min_accuracy_ratio (default 0.99) x the baseline's;
                language model: validation loss <= max_loss_ratio (default 1.01) x the
                baseline's; both: model bytes <= max_bytes_ratio (default 0.5) x the baseline's.
    Score:      accuracy_ratio = optimized accuracy / baseline accuracy (higher wins;
                above 1 beats the baseline).
    """

    name, title = "accuracy", "Accuracy Contest"
    defaults = {"min_accuracy_ratio": 0.99, "max_loss_ratio": 1.01, "max_bytes_ratio": 0.5}

    def disqualified(self, r, options):
        budget = options["max_bytes_ratio"]
        if 1 / r["compression"] > budget:
            return (f"the model is {1 / r['compression']:.2f}x the baseline's bytes, over the "
                    f"budget of {budget}x")
        return super().disqualified(r, options)

    def formula(self, r):
        return r["accuracy_ratio"]


class AllAround(Event):
    """All-Around: faster, smaller and as accurate, in balance.

    Metric:     speedup, compression and accuracy ratio together (latency and accuracy
                per token for a language model).
    Constraint: classifier: accuracy >= min_accuracy_ratio (default 0.99) x the baseline's;
                language model: validation loss <= max_loss_ratio (default 1.01) x the baseline's.
    Score:      geometric mean (speedup x compression x accuracy_ratio) ** (1/3)
                (higher wins; doubling any one ratio counts the same).
    """

    name, title = "all_around", "All-Around"

    def formula(self, r):
        # region 19 benchmarking: the geometric mean of speedup, compression and accuracy ratio
        return math.prod((r["speedup"], r["compression"], r["accuracy_ratio"])) ** (1 / 3)
        # endregion


class ExtremePush(Event):
    """Extreme Push: the most aggressive compression, within a looser accuracy floor.

    Metric:     model bytes as stored, for both kinds of model.
    Constraint: looser: classifier: accuracy >= min_accuracy_ratio (default 0.95) x the
                baseline's; language model: validation loss <= max_loss_ratio (default
                1.05) x the baseline's.
    Score:      compression = baseline bytes / optimized bytes (higher wins).
    """

    name, title = "extreme", "Extreme Push"
    defaults = {"min_accuracy_ratio": 0.95, "max_loss_ratio": 1.05}

    def formula(self, r):
        return r["compression"]


EVENTS = (LatencySprint, MemoryChallenge, AccuracyContest, AllAround, ExtremePush)

MAX_PLAUSIBLE_SPEEDUP = 50


def warnings(baseline, optimized, epochs_trained):
    """Messages about results too good to be true (an empty list when all is plausible).

    ``epochs_trained``: how many epochs the passes trained. Without training, a pass can
    only lose information, so accuracy rising by more than the test set's noise (two
    standard errors of the difference of two accuracies) points to a bug.
    """
    found = []
    n = baseline.get("test_examples") or 0
    gain = optimized["accuracy"] - baseline["accuracy"]
    if n and not epochs_trained:
        p = baseline["accuracy"]
        noise = 2 * math.sqrt(max(2 * p * (1 - p), 1.0 / n) / n)
        if gain > noise:
            found.append(
                f"accuracy rose from {baseline['accuracy']:.2%} to {optimized['accuracy']:.2%} after "
                f"passes that trained nothing, more than the test set's noise (+/-{noise:.2%}); "
                f"check that both were evaluated on the same data"
            )
    speedup = baseline["latency_ms"]["p50"] / optimized["latency_ms"]["p50"]
    if speedup > MAX_PLAUSIBLE_SPEEDUP:
        found.append(
            f"the optimized model is {speedup:.0f}x faster, more than {MAX_PLAUSIBLE_SPEEDUP}x; check that "
            f"it still computes what the baseline does (the timing may be measuring no work)"
        )
    return found


# (label, how to read it from a benchmark section, format, whether higher is better)
ROWS = (  # a row is shown when both sections have its number (language models have more)
    ("accuracy", lambda m: m["accuracy"], "{:.2%}", True),
    ("validation loss (nats/token)", lambda m: m["loss"], "{:.4f}", False),
    ("latency p50 (ms)", lambda m: m["latency_ms"]["p50"], "{:.4f}", False),
    ("latency p90, early stopping (ms)", lambda m: m["latency_ms"]["p90"], "{:.4f}", False),
    ("latency p99 (ms)", lambda m: m["latency_ms"]["p99"], "{:.4f}", False),
    ("time to first token p50 (ms)", lambda m: m["time_to_first_token_ms"]["p50"], "{:.4f}", False),
    ("SingleStream queries", lambda m: m["loadgen"]["queries"], "{:,}", True),
    ("throughput (per s, Offline)", lambda m: m["throughput"], "{:,.0f}", True),
    ("model bytes", lambda m: m["model_bytes"], "{:,}", False),
    ("KV-cache bytes at full context", lambda m: m["kv_cache_bytes"], "{:,}", False),
    ("peak memory bytes", lambda m: m["peak_memory_bytes"], "{:,}", False),
    ("stored values (parameters, buffers, scales)", lambda m: m["stored_values"], "{:,}", False),
    ("FLOPs per example", lambda m: m["flops"], "{:,}", False),
)


def comparison_rows(metrics):
    """``(label, baseline, optimized, change, style)`` per measurement, formatted.

    The change is optimized / baseline (accuracy: the difference in points); the style is
    green where the optimized model is better, red where it is worse.
    """
    base, opt = metrics["baseline"], metrics["optimized"]
    for label, get, fmt, higher_is_better in ROWS:
        try:
            b, o = get(base), get(opt)
        except KeyError:
            continue
        if label == "accuracy":
            change = f"{100 * (o - b):+.2f} points"
        else:
            change = f"{o / b:.3f}x" if b else "-"
        style = "" if o == b else ("green" if (o > b) == higher_is_better else "red")
        yield label, fmt.format(b), fmt.format(o), change, style


def pass_lines(metrics):
    """One line per applied pass, with what it reported."""
    for report in metrics["passes"]:
        details = ", ".join(f"{k}={_short(v)}" for k, v in report.items() if k != "name")
        yield f"pass {report['name']}: {details}"


def verdict_line(event):
    verdict = "qualified" if event["qualified"] else f"DISQUALIFIED: {event['reason']}"
    line = f"{event['title']} ({event['name']}): score {event['score']:.3f}, {verdict}"
    if "valid" in event:  # runs from before LoadGen-style measurement have no verdict
        line += f"; {'VALID' if event['valid'] else 'INVALID'}: {event['valid_reason']}"
    return line


def comparison_table(metrics):
    """Baseline against optimized, one row per measurement, then the passes and the event's score."""
    table = Table(title=f"{metrics['name']}: baseline vs optimized")
    for heading in ("", "baseline", "optimized", "change"):
        table.add_column(heading, justify="right" if heading else "left")
    for label, b, o, change, style in comparison_rows(metrics):
        table.add_row(label, b, o, Text(change, style=style))
    parts = [table, *(Text(line) for line in pass_lines(metrics))]
    event = metrics["event"]
    if event:
        parts.append(Text(verdict_line(event), style="bold green" if event.get("valid") else "bold red"))
    return Group(*parts)


def _short(value):
    return f"{value:.4g}" if isinstance(value, float) else str(value)
