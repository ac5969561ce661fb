"""Leaderboard: rank the runs in a directory, event by event.

Each Olympics run writes ``metrics.json`` with an ``event`` section (name, score,
qualified, reason) beside the ``baseline`` and ``optimized`` numbers it was scored from.
``collect`` reads every ``<runs>/*/metrics.json`` that has one (the competition's
database, ``competition/db.py``, builds the same entries from what it stores); ``rank``
sorts each track's and event's entries in three standings:

1. VALID: qualified and measured to the rules' minimums (``events.py``). A run from
   before validity was recorded (no ``valid`` in its event) counts as valid when it
   qualified: it was measured the only way there was, and the rule is not its to meet;
2. qualified but INVALID (measured short of the minimums, e.g. ``benchmark.quick``);
3. disqualified, with its reason, so a failed attempt is visible, not lost;

then by score, highest first; a tie goes to the earlier submission (a folder's runs,
which have no submission time, by name). Only valid entries get a place number.

A run directory is anyone's to edit, so each ``metrics.json`` is read with a size limit
and every number it must hold is checked; a run that is missing one, holds a string or
a zero latency, or is not JSON at all is skipped with a note naming its file and the
problem, and the other runs still rank.

Read next: ``plot.py``.
"""

import json
import math
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from tinytorch.core.files import read_limited, shorten

MAX_METRICS_BYTES = 10_000_000  # a metrics.json is a few kB; anything near this is not one


def collect(runs_dir):
    """``(entries, notes)``: one entry per Olympics run under ``runs_dir`` (runs without an
    event are not entries); a note naming the file and the problem for each run skipped."""
    entries, notes = [], []
    for path in sorted(Path(runs_dir).glob("*/metrics.json")):
        try:
            entry = read_entry(path)
        except (OSError, ValueError) as error:  # one odd run must not hide the others
            reason = getattr(error, "strerror", None) or error
            notes.append(f"{path}: skipped: {shorten(reason, 200)}")
            continue
        if entry is not None:
            entries.append(entry)
    return entries, notes


def read_entry(path):
    """The leaderboard entry of one run's ``metrics.json``; None for a run without an event.

    Raises ``ValueError`` saying which key is missing or wrong, and what it held.
    """
    return entry(read_metrics(path), path.parent.name)


def entry(metrics, run):
    """The leaderboard entry of run ``run`` from its metrics dict; None without an event.

    Raises ``ValueError`` saying which key is missing or wrong, and what it held.
    """
    if not metrics.get("event"):
        return None
    return {
        "run": run,
        # the dataset the run competed on: digits, mnist (vision), tinyshakespeare (language)
        "track": str(metrics.get("track") or "unknown track (a run from before tracks)"),
        "event": _get(metrics, str, "event", "name"),
        "score": _get(metrics, float, "event", "score"),
        "qualified": _get(metrics, bool, "event", "qualified"),
        "reason": str(metrics["event"].get("reason", "")),
        # None: a run from before validity was recorded (see the module docstring)
        "valid": _get(metrics, bool, "event", "valid") if "valid" in metrics["event"] else None,
        "valid_reason": str(metrics["event"].get("valid_reason", "")),
        "baseline_accuracy": _get(metrics, float, "baseline", "accuracy"),
        "accuracy": _get(metrics, float, "optimized", "accuracy"),
        "bytes_ratio": _get(metrics, float, "optimized", "model_bytes")
        / _get(metrics, float, "baseline", "model_bytes", positive=True),
        "speedup": _get(metrics, float, "baseline", "latency_ms", "p50")
        / _get(metrics, float, "optimized", "latency_ms", "p50", positive=True),
    }


def read_metrics(path):
    """The JSON object in a run's ``metrics.json``, read with a size limit; ``ValueError`` if none."""
    try:
        metrics = json.loads(read_limited(path, MAX_METRICS_BYTES, "metrics.json").decode("utf-8"))
    except RecursionError:
        raise ValueError("expected a JSON object, found one nested too deeply") from None
    if not isinstance(metrics, dict):
        raise ValueError(f"expected a JSON object, found {type(metrics).__name__}")
    return metrics


def _get(metrics, kind, *keys, positive=False):
    """``metrics[k1][k2]...`` checked to be a ``kind`` (a float: any finite number, not a bool)."""
    value = metrics
    for depth, key in enumerate(keys):
        if not isinstance(value, dict) or key not in value:
            raise ValueError(f"no {'.'.join(keys[: depth + 1])}")
        value = value[key]
    where = ".".join(keys)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise ValueError(f"{where}: expected a finite number, found {shorten(json.dumps(value), 40)}")
        if positive and value <= 0:
            raise ValueError(f"{where}: expected a number > 0, found {value}")
        return float(value)
    if not isinstance(value, kind):
        raise ValueError(f"{where}: expected {kind.__name__}, found {shorten(json.dumps(value), 40)}")
    return value


def standing(entry):
    """0 valid, 1 qualified but invalid, 2 disqualified (``valid`` None counts as valid)."""
    if not entry["qualified"]:
        return 2
    return 1 if entry.get("valid") is False else 0


def rank(entries):
    """``{(track, event): [entries best first]}``, each entry with its ``rank`` (None unless valid).

    Each track (dataset) ranks apart: a digits MLP and a GPT share no scale.
    """
    ranked, places = {}, {}
    order = sorted(entries, key=lambda e: (standing(e), -e["score"], e.get("submitted_at") or "",
                                           e.get("id") or 0, e["run"]))
    for entry in order:
        group = (entry["track"], entry["event"])
        place = None
        if standing(entry) == 0:
            place = places[group] = places.get(group, 0) + 1
        ranked.setdefault(group, []).append({**entry, "rank": place})
    return dict(sorted(ranked.items()))


# The keys of each entry in ``tt leaderboard --json``, always all of them (None if unknown).
JSON_KEYS = ("rank", "track", "event", "id", "run", "score", "qualified", "valid", "reason", "valid_reason",
             "baseline_accuracy", "accuracy", "bytes_ratio", "speedup", "submitted_at", "sweep_id", "params",
             "graded")


def listing(ranked):
    """The ranked entries as one list of plain dicts with ``JSON_KEYS``: tracks, events, then places."""
    return [{key: entry.get(key) for key in JSON_KEYS} for group in ranked.values() for entry in group]


def status(entry):
    """``valid``, ``qualified, INVALID: why`` or ``disqualified: why``, and the grade if there is one."""
    if not entry["qualified"]:
        text = f"disqualified: {entry['reason']}"
    elif entry.get("valid") is False:
        text = f"qualified, INVALID: {entry['valid_reason']}"
    else:
        text = "valid" if entry.get("valid") else "qualified (from before validity)"
    graded = entry.get("graded")
    if graded:
        text += "; graded: " + ("verified" if graded["verified"] else f"FAILED: {graded['detail']}")
    return text


def tables(ranked):
    """One rich table per track and event, best run first; with submission id and time from a database."""
    for (track, event), entries in ranked.items():
        submitted = any(e.get("id") is not None for e in entries)
        graded = any(e.get("graded") for e in entries)
        table = Table(title=f"{track}: {event}")
        headings = ("rank", *(("#",) if submitted else ()), "run", "score", *(("re-measured",) if graded else ()),
                    "accuracy", "bytes ratio", "speedup", *(("submitted (UTC)",) if submitted else ()), "status")
        for heading in headings:
            table.add_column(heading, justify="left" if heading in ("run", "status", "submitted (UTC)") else "right")
        for e in entries:
            cells = [
                "-" if e["rank"] is None else str(e["rank"]), escape(e["run"]), f"{e['score']:.3f}",
                f"{e['baseline_accuracy']:.2%} -> {e['accuracy']:.2%}", f"{e['bytes_ratio']:.3f}",
                f"{e['speedup']:.2f}x", escape(status(e)),  # a run's name or reason is not markup
            ]
            if graded:  # the score grading measured on its machine (tt verify --db URL --all)
                cells[3:3] = [_remeasured(e.get("graded"))]
            if submitted:
                cells[1:1] = [f"#{e['id']}"]
                cells[-1:-1] = [(e.get("submitted_at") or "")[:19].replace("T", " ")]
            table.add_row(*cells)
        yield table


def _remeasured(grade):
    """The event's score as grading measured it; ``-`` before grading."""
    if grade is None:
        return "-"
    score = ((grade.get("figures") or {}).get("event") or {}).get("score")
    return f"{score:.3f}" if isinstance(score, int | float) else "?"
