"""What a run leaves behind: its directory, four files, and the table printed at the end.

A run directory (``runs/<name>-<YYYYmmdd-HHMMSS>/`` unless ``--out`` says otherwise) holds

- ``config.yaml``: the resolved config, every default filled in; ``tt run`` reruns it;
- ``metrics.json``: the numbers, for programs (``test_accuracy``, per-epoch lists, ...);
- ``model.npz``: the trained weights, written by ``tinytorch.nn.save``;
- ``report.md``: the same numbers for people;
- ``checkpoint.npz``: the Trainer's per-epoch checkpoint, to resume from.

The directory belongs to one run (``rundir.py``: a lock, and no silent reuse). Every
file is written to a temporary name beside its target and renamed over it (``os.replace``
is atomic), so a run stopped half-way never leaves half a file; and the four result files
are committed as one set, ``metrics.json`` last, so a directory with a ``metrics.json``
holds one run's whole results and one without holds none.

Read next: ``cache.py``, which keeps trained baselines between runs.
"""

import json
from pathlib import Path

from rich.console import Group
from rich.table import Table

import tinytorch.nn as nn
from tinytorch.bench.olympics import events as olympics
from tinytorch.core.files import write_text

from .config import dump_config


def write_run_files(out_dir, config, metrics, model):
    """The four result files, committed as one set: ``metrics.json`` is the marker.

    Each file is written atomically, but a stop between two of them would leave a new
    ``model.npz`` beside an old ``metrics.json``. So the old marker goes first and the new
    one comes last: a directory with a ``metrics.json`` holds a whole set of one run's
    results, and one without it holds no results (whatever else is there is unfinished).
    """
    out_dir = Path(out_dir)
    (out_dir / "metrics.json").unlink(missing_ok=True)
    nn.save(model, out_dir / "model.npz")
    write_text(out_dir / "config.yaml", dump_config(config))
    write_text(out_dir / "report.md", report_markdown(config, metrics, model))
    write_text(out_dir / "metrics.json", json.dumps(metrics, indent=2) + "\n")


# -- for people ---------------------------------------------------------------------------

EPOCH_COLUMNS = (  # (metrics.json key, heading, format)
    ("train_loss", "train loss", "{:.4f}"),
    ("val_loss", "val loss", "{:.4f}"),
    ("val_accuracy", "val accuracy", "{:.2%}"),
    ("lr", "lr", "{:.3g}"),
    ("epoch_seconds", "seconds", "{:.2f}"),
)


def epoch_rows(metrics):
    """One row of formatted strings per epoch, with the columns ``metrics`` has."""
    columns = [c for c in EPOCH_COLUMNS if metrics.get(c[0])]
    rows = [
        [str(epoch)] + [fmt.format(metrics[key][epoch - 1]) for key, _, fmt in columns]
        for epoch in range(1, len(metrics.get("train_loss", [])) + 1)
    ]
    return ["epoch"] + [heading for _, heading, _ in columns], rows


def summary(metrics):
    """(label, value) pairs describing the run's outcome."""
    trained = (
        f"reused cached baseline {metrics['baseline_cache']}"
        if metrics["baseline_reused"]
        else f"trained in {metrics['train_seconds']:.1f} s"
    )
    return [
        ("test accuracy", f"{metrics['test_accuracy']:.2%}"),
        ("test loss", f"{metrics['test_loss']:.4f}"),
        ("epochs", str(metrics["epochs"])),
        ("baseline", trained),
        ("run time", f"{metrics['seconds']:.1f} s"),
        ("parameters", f"{metrics['parameters']:,}"),
        ("backend", metrics["backend"]),
        ("config hash", metrics["config_hash"][:12]),
    ]


def report_markdown(config, metrics, model):
    lines = [f"# Run `{config['name']}`", ""]
    lines += ["| result | value |", "| --- | --- |"]
    lines += [f"| {label} | {value} |" for label, value in summary(metrics)]
    header, rows = epoch_rows(metrics)
    if rows:
        lines += ["", "## Training", "", "| " + " | ".join(header) + " |"]
        lines += ["| " + " | ".join("---" for _ in header) + " |"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
    if "optimized" in metrics:
        lines += ["", "## TorchPerf Olympics: baseline vs optimized", ""]
        lines += ["| | baseline | optimized | change |", "| --- | ---: | ---: | ---: |"]
        lines += [f"| {label} | {b} | {o} | {change} |" for label, b, o, change, _ in olympics.comparison_rows(metrics)]
        lines += [""] + [f"- {line}" for line in olympics.pass_lines(metrics)]
        if metrics.get("event"):
            lines += [f"- **{olympics.verdict_line(metrics['event'])}**"]
        lines += [f"- warning: {w}" for w in metrics.get("warnings", [])]
    lines += ["", "## Model", "", "```", repr(model), "```", ""]
    lines += ["## Reproduce", "", "```", "tt run config.yaml", "```", ""]
    lines += ["`config.yaml` beside this report is the resolved config of this run.", ""]
    return "\n".join(lines)


MAX_TABLE_EPOCHS = 12  # a long run's table shows its first and last epochs


def results_table(config, metrics, out_dir):
    """What ``tt run`` prints last: a table of epochs (if any were trained), then the summary."""
    header, rows = epoch_rows(metrics)
    tables = []
    if rows:
        epochs = Table(title=f"{config['name']}: training")
        for heading in header:
            epochs.add_column(heading, justify="right")
        if len(rows) > MAX_TABLE_EPOCHS:
            half = MAX_TABLE_EPOCHS // 2
            rows = rows[:half] + [["..."] * len(header)] + rows[-half:]
        for row in rows:
            epochs.add_row(*row)
        tables.append(epochs)
    result = Table(title=f"{config['name']}: result", show_header=False)
    result.add_column(style="bold")
    result.add_column()
    for label, value in summary(metrics) + [("written to", str(out_dir))]:
        result.add_row(label, value)
    tables.append(result)
    return Group(*tables)
