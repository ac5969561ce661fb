"""What you watch while a model trains: a bar per epoch and a live line of numbers.

The ``Trainer`` (tinytorch-optim) knows nothing about terminals. It reports to any object
with three methods, and this is the one ``tt run`` hands it:

- ``start_epoch(epoch, epochs, batches)`` when an epoch begins (``epoch`` counts from 1),
- ``advance(loss)`` after each batch,
- ``end_epoch(metrics)`` after the epoch's evaluation, with ``train_loss``,
  ``val_loss``, ``val_accuracy``, ``seconds`` and ``lr`` when known.

While an epoch runs, the bar shows its batches and the running mean of the loss; when it
ends, the bar gives way to one line that stays on screen. On a console that is not a
terminal (a pipe, a test) only those lines are printed.

Read next: ``runner.py``, which creates one of these for each run.
"""

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


class RichProgress:
    """Progress of a training run, drawn with rich. Use it as a context manager."""

    def __init__(self, console=None):
        self.console = console or Console()
        self.epoch = 0  # the epoch under way (or last started): where a stopped run stopped
        self.epochs = 0
        self._bar = Progress(
            TextColumn("epoch {task.fields[epoch]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[line]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,  # the per-epoch line below replaces the finished bar
        )
        self._task = None

    def __enter__(self):
        self._bar.start()
        return self

    def __exit__(self, *exc):
        self._bar.stop()

    def start_epoch(self, epoch, epochs, batches):
        self.epoch, self.epochs = epoch, epochs
        self._loss_sum, self._batches = 0.0, 0
        fields = {"epoch": f"{epoch}/{epochs}", "line": ""}
        if self._task is None:
            self._task = self._bar.add_task("train", total=batches, **fields)
        else:
            self._bar.reset(self._task, total=batches, **fields)

    def advance(self, loss):
        self._loss_sum += float(loss)
        self._batches += 1
        self._bar.update(self._task, advance=1, line=f"loss {self._loss_sum / self._batches:.4f}")

    def end_epoch(self, metrics):
        self._bar.console.print(f"epoch {self.epoch}/{self.epochs}  {format_metrics(metrics)}")


def format_metrics(metrics):
    """``train loss 0.1234  val loss 0.2345  val acc 97.50%  1.2 s``: the parts present."""
    parts = []
    for key, label in (("train_loss", "train loss"), ("val_loss", "val loss")):
        if metrics.get(key) is not None:
            parts.append(f"{label} {metrics[key]:.4f}")
    if metrics.get("val_accuracy") is not None:
        parts.append(f"val acc {100 * metrics['val_accuracy']:.2f}%")
    if metrics.get("seconds") is not None:
        parts.append(f"{metrics['seconds']:.1f} s")
    return "  ".join(parts)
