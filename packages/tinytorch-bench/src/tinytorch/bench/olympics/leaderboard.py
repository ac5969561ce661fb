"""Leaderboard: rank the runs in a directory, event by event.

Each Olympics run writes ``metrics.json`` with an ``event`` section (name, score,
qualified, reason) beside the ``baseline`` and ``optimized`` numbers it was scored from.
``collect`` reads every ``<runs>/*/metrics.json`` that has one; ``rank`` sorts each
event's entries: qualified runs first, then by score, highest first. A disqualified run
is listed, below the rest, with its reason, so a failed attempt is visible, not lost.

Read next: ``plot.py``.
"""

import json
from pathlib import Path

from rich.table import Table


def collect(runs_dir):
    """``(entries, notes)``: one entry per Olympics run under ``runs_dir`` (runs without an
    event are not entries); a note for each metrics.json that cannot be read."""
    entries, notes = [], []
    for path in sorted(Path(runs_dir).glob("*/metrics.json")):
        try:
            metrics = json.loads(path.read_text(encoding="utf-8"))
            if not metrics.get("event"):
                continue
            event, base, opt = metrics["event"], metrics["baseline"], metrics["optimized"]
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            notes.append(f"{path}: skipped ({type(error).__name__}: {error})")
            continue
        entries.append({
            "run": path.parent.name,
            "event": event["name"],
            "score": event["score"],
            "qualified": event["qualified"],
            "reason": event.get("reason", ""),
            "baseline_accuracy": base["accuracy"],
            "accuracy": opt["accuracy"],
            "bytes_ratio": opt["model_bytes"] / base["model_bytes"],
            "speedup": base["latency_ms"]["p50"] / opt["latency_ms"]["p50"],
        })
    return entries, notes


def rank(entries):
    """``{event: [entries best first]}``: qualified before disqualified, then by score."""
    ranked = {}
    for entry in sorted(entries, key=lambda e: (not e["qualified"], -e["score"], e["run"])):
        ranked.setdefault(entry["event"], []).append(entry)
    return dict(sorted(ranked.items()))


def tables(ranked):
    """One rich table per event, best run first."""
    for event, entries in ranked.items():
        table = Table(title=f"{event}")
        for heading in ("rank", "run", "score", "accuracy", "bytes ratio", "speedup", "status"):
            table.add_column(heading, justify="left" if heading in ("run", "status") else "right")
        for place, e in enumerate(entries, 1):
            table.add_row(
                str(place) if e["qualified"] else "-", e["run"], f"{e['score']:.3f}",
                f"{e['baseline_accuracy']:.2%} -> {e['accuracy']:.2%}", f"{e['bytes_ratio']:.3f}",
                f"{e['speedup']:.2f}x", "qualified" if e["qualified"] else f"disqualified: {e['reason']}",
            )
        yield table
