"""Plots a run writes beside its numbers: training curves, and the Olympics Pareto plot.

``training_curves`` draws the loss (train and validation) and the validation accuracy
per epoch. ``pareto`` shows where the optimized model landed against its baseline: two
panels, accuracy against p50 latency and accuracy against model bytes, with the
baseline and the optimized model marked and an arrow between them. Up and to the left
is better on both: an arrow pointing that way is a pure win, any other direction a
trade. matplotlib is an optional extra (``pip install tinytorch-bench[plot]``); without
it ``available()`` is False and the runner skips the plots.

Read next: ``runner.py``, which calls these at the end of a run.
"""

import importlib.util

from tinytorch.core.files import atomic_write


def available():
    return importlib.util.find_spec("matplotlib") is not None


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # files only, no window
    import matplotlib.pyplot as plt

    return plt


def _save(plt, fig, path):
    try:
        with atomic_write(path, "wb") as f:
            fig.savefig(f, dpi=110, format="png")
    finally:
        plt.close(fig)


def training_curves(metrics, path, title=""):
    """Loss and validation accuracy per epoch, from a run's ``metrics.json`` dict."""
    plt = _pyplot()
    epochs = range(1, len(metrics["train_loss"]) + 1)
    fig, (loss, accuracy) = plt.subplots(1, 2, figsize=(9, 3.5), constrained_layout=True)
    loss.plot(epochs, metrics["train_loss"], label="train")
    if metrics.get("val_loss"):
        loss.plot(epochs, metrics["val_loss"], label="validation")
    loss.set_xlabel("epoch")
    loss.set_ylabel("loss")
    loss.legend()
    if metrics.get("val_accuracy"):
        accuracy.plot(epochs, [100 * a for a in metrics["val_accuracy"]], color="tab:green")
    accuracy.set_xlabel("epoch")
    accuracy.set_ylabel("validation accuracy (%)")
    for ax in (loss, accuracy):
        ax.grid(True, alpha=0.3)
    fig.suptitle(title)
    _save(plt, fig, path)


def pareto(baseline, optimized, path, title=""):
    """Write the two-panel plot to ``path`` (PNG), atomically."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.8), constrained_layout=True)
    panels = (("p50 latency at batch 1 (ms)", lambda m: m["latency_ms"]["p50"]),
              ("model bytes as stored", lambda m: m["model_bytes"]))
    for ax, (label, x) in zip(axes, panels):
        start = (x(baseline), 100 * baseline["accuracy"])
        end = (x(optimized), 100 * optimized["accuracy"])
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "->", "color": "0.5"})
        ax.scatter(*start, marker="o", s=60, label="baseline", color="tab:blue")
        ax.scatter(*end, marker="*", s=140, label="optimized", color="tab:orange")
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy (%)")
        ax.set_xlim(left=0)  # from zero, so the distance between the points reads as a ratio
        ax.margins(0.25)
        ax.grid(True, alpha=0.3)
    axes[0].legend(loc="lower right")
    fig.suptitle(title)
    _save(plt, fig, path)
