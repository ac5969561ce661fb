"""The live view of a language model learning to write, in the spirit of TinyTalks.

While a text model trains, ``tt run`` shows one screen that redraws in place:

    epoch 3/8  step 412/1600  ━━━━━━━━╸━━━━━━━━━━━━━━  train 1.912  val 1.987  4,210 tok/s
    ╭─ loss ──────────────────────────────────────────────────────── ━ train  ━ val ─╮
    │ 4.17 ┤⢣                                                                        │
    │      ┤⠈⢆                                                                       │
    │ 1.91 ┤  ⠉⠒⠒⠤⠤⣀⣀⣀⣀⣀⣀⣀⣀                                                         │
    ╰────────────────────────────────────────────────────────────────── step 412 ───╯
    ╭─ sample after epoch 2 ────────────────────────────────────────────────────────╮
    │ ROMEO: What shall I swear the king and the hand...                            │
    ╰───────────────────────────────────────────────────────────────────────────────╯

It is the Trainer's ``progress`` object (``start_epoch``, ``advance``, ``end_epoch``,
the same three methods as ``progress.RichProgress``), so the training loop knows
nothing about it. After every epoch it asks the model for a fresh sample, so you watch
gibberish turn into something like Shakespeare as the validation loss falls. A dataset
may bring its own sample (``info["sample"]``): TinyTalks shows a few questions and the
model's answers, so you watch it learn to reply.

The curve is drawn with braille characters: each one is a 2x4 grid of dots, so a
character cell holds eight "pixels" and an 80-column terminal gives 160 dots across.
``braille_chart`` is that drawing, on its own, for any list of points.

On a console that is not a terminal (a pipe, a CI log, a test) nothing redraws: each
epoch prints one line and its sample, as plain text.

Read next: ``runner.py``, which chooses this view for models of text (``choose``).
"""

import time

from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from tinytorch.text import generate_text

from .progress import format_metrics

# The bit of each dot in a braille character (U+2800 + bits), by [row][column] in its
# 2x4 grid. The order is historical: dots 1-6 came first, dots 7 and 8 were added below.
DOTS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
BLANK = 0x2800

TRAIN_STYLE, VAL_STYLE = "cyan", "magenta"
SAMPLE_TOKENS = 200
SAMPLE_PROMPT = "ROMEO:"
REFRESH_SECONDS = 0.25  # redraw at most this often: drawing must not slow training down


def braille_chart(series, width, height, x_range, y_range):
    """Draw ``series`` as lines of braille dots: ``height`` rows of ``width`` characters.

    ``series`` is a list of ``(points, style)``; ``points`` are ``(x, y)`` pairs, joined by
    straight lines in order. ``x_range`` and ``y_range`` are the ``(low, high)`` values at
    the chart's edges; points outside are drawn on the edge. Where two series share a
    character the later one colours it (a cell has one colour, though it may hold dots of
    both). Returns one rich ``Text`` per row, top row first.
    """
    columns, rows = 2 * width, 4 * height
    bits = [[0] * width for _ in range(height)]
    owner = [[None] * width for _ in range(height)]
    for points, style in series:
        # Dot coordinates: column from the left, row from the top (so high y is row 0).
        dots = [(_scale(x, x_range, columns), rows - 1 - _scale(y, y_range, rows)) for x, y in points]
        for start, end in zip(dots, dots[1:] or dots):
            for col, row in _line(start, end):
                bits[row // 4][col // 2] |= DOTS[row % 4][col % 2]
                owner[row // 4][col // 2] = style
    lines = []
    for bit_row, owner_row in zip(bits, owner):
        line = Text()
        for cell, style in zip(bit_row, owner_row):
            line.append(chr(BLANK + cell), style=style)
        lines.append(line)
    return lines


def _scale(value, bounds, n):
    """The index (0 to ``n - 1``) of the dot nearest ``value`` on an axis spanning ``bounds``."""
    low, high = bounds
    if high <= low:
        return 0
    position = (value - low) / (high - low) * (n - 1)
    return min(n - 1, max(0, int(position + 0.5)))


def _line(start, end):
    """The dots on the straight segment from ``start`` to ``end``, one per step of the longer axis."""
    (c0, r0), (c1, r1) = start, end
    steps = max(abs(c1 - c0), abs(r1 - r0), 1)
    return [(int(c0 + (c1 - c0) * i / steps + 0.5), int(r0 + (r1 - r0) * i / steps + 0.5))
            for i in range(steps + 1)]


def column_means(losses, size):
    """``(step, mean loss)`` for each run of ``size`` steps (the last run may be shorter).

    A thousand noisy batch losses in a 160-dot-wide chart would be a smudge; the mean over
    each dot's worth of steps is the curve a reader wants. Steps count from 1, and each
    mean is placed at the middle of its run.
    """
    return [
        (start + (len(chunk) + 1) / 2, sum(chunk) / len(chunk))
        for start in range(0, len(losses), size)
        for chunk in [losses[start:start + size]]
    ]


class Dashboard:
    """Trainer progress drawn as a live loss chart, speed and samples. A context manager.

    ``sample(epoch) -> str`` (optional) writes a sample with the model as it is now; it
    is called once before training and after every epoch. ``per_batch`` and ``unit``
    turn batches per second into a speed (``per_batch=32 * 64, unit="tok"`` for 32
    windows of 64 tokens).
    """

    def __init__(self, console=None, sample=None, per_batch=None, unit="tok"):
        self.console = console or Console()
        self.sample, self.per_batch, self.unit = sample, per_batch, unit
        self.epoch = 0  # the epoch under way (or last started): where a stopped run stopped
        self.epochs = 0
        self.completed = 0  # epochs that ran to the end
        self.batches = None  # per epoch
        self.losses = []  # every batch's loss, in order
        self.val = []  # (step, validation loss) after each epoch
        self.latest = None  # (label, text) of the newest sample
        self._first_step = 0  # steps before this run's first epoch (a resumed run has some)
        self._epoch_started = self._last_advance = self._started = time.perf_counter()
        self._epoch_steps = 0
        self._live = None
        self._drawn = 0.0

    # -- the Trainer's progress protocol ------------------------------------------------

    def __enter__(self):
        self._started = time.perf_counter()
        if self.console.is_terminal:
            self._live = Live(self, console=self.console, auto_refresh=False)
            self._live.start()
        return self

    def __exit__(self, *exc):
        if self._live is not None:
            self._live.stop()  # the last frame stays on screen

    def start_epoch(self, epoch, epochs, batches):
        self.epoch, self.epochs, self.batches = epoch, epochs, batches
        self._epoch_started, self._epoch_steps = time.perf_counter(), 0
        if not self.losses:  # the first epoch of this run; after a resume, not epoch 1
            self._first_step = (epoch - 1) * (batches or 0)
        if self._live is not None and self.latest is None and self.sample is not None:
            self._take_sample(epoch - 1, "before training" if epoch == 1 else f"after epoch {epoch - 1}")
        self._draw(force=True)

    def advance(self, loss):
        self.losses.append(float(loss))
        self._epoch_steps += 1
        self._last_advance = time.perf_counter()
        self._draw()

    def end_epoch(self, metrics):
        self.completed = self.epoch
        if metrics.get("val_loss") is not None:
            self.val.append((self.step, metrics["val_loss"]))
        if self.sample is not None:
            self._take_sample(self.epoch, f"after epoch {self.epoch}")
        if self._live is None:
            # soft_wrap: a log line stays one line, however narrow the console thinks it is
            self.console.print(f"epoch {self.epoch}/{self.epochs}  {format_metrics(metrics)}  {self._speed()}",
                               markup=False, highlight=False, soft_wrap=True)
            if self.latest is not None:
                self.console.print(f"sample {self.latest[0]}:\n{self.latest[1]}", markup=False, highlight=False,
                                   soft_wrap=True)
        self._draw(force=True)

    # -- what is shown ------------------------------------------------------------------

    @property
    def step(self):
        """Optimizer steps taken since the start of the run."""
        return self._first_step + len(self.losses)

    def _take_sample(self, epoch, label):
        self.latest = (label, self.sample(epoch))

    def _speed(self):
        """``4,210 tok/s`` over this epoch's batches so far (evaluation left out), if known."""
        elapsed = self._last_advance - self._epoch_started
        if not self.per_batch or not self._epoch_steps or elapsed <= 0:
            return ""
        return f"{self.per_batch * self._epoch_steps / elapsed:,.0f} {self.unit}/s"

    def _draw(self, force=False):
        now = time.perf_counter()
        if self._live is not None and (force or now - self._drawn >= REFRESH_SECONDS):
            self._live.refresh()
            self._drawn = now

    def __rich__(self):
        """The whole screen; ``Live`` calls this on every refresh."""
        parts = [self._header(), self._chart_panel()]
        if self.latest is not None:
            label, text = self.latest
            parts.append(Panel(Text(text), title=f"sample {label}", title_align="left"))
        return Group(*parts)

    def _header(self):
        total = self.epochs * self.batches if self.batches else None
        grid = Table.grid(padding=(0, 2))
        columns = [Text(f"epoch {self.epoch}/{self.epochs}"),
                   Text(f"step {self.step}/{total}" if total else f"step {self.step}")]
        if total:
            columns.append(ProgressBar(total=total, completed=self.step, width=24))
        if self.losses:
            recent = self.losses[-self._epoch_steps:] if self._epoch_steps else self.losses[-1:]
            columns.append(Text(f"train {sum(recent) / len(recent):.3f}", style=TRAIN_STYLE))
        if self.val:
            columns.append(Text(f"val {self.val[-1][1]:.3f}", style=VAL_STYLE))
        columns.append(Text(self._speed()))
        columns.append(Text(f"{time.perf_counter() - self._started:.0f} s"))
        for _ in columns:
            grid.add_column()
        grid.add_row(*columns)
        return grid

    def _chart_panel(self):
        label_width = 6
        width = max(10, self.console.width - label_width - 5)  # panel borders and padding
        height = max(4, min(12, self.console.height - 16))
        total = self.epochs * self.batches if self.batches else self.step
        per_dot = max(1, -(-(total - self._first_step) // (2 * width)))  # steps per dot, rounded up
        train = [(self._first_step + x, y) for x, y in column_means(self.losses, per_dot)]
        points = [y for _, y in train] + [y for _, y in self.val]
        if not points:
            return Panel(Text("waiting for the first batch..."), title="loss", title_align="left")
        low, high = min(points), max(points)
        rows = braille_chart([(train, TRAIN_STYLE), (self.val, VAL_STYLE)], width, height,
                             (self._first_step, max(total, self._first_step + 1)), (low, high))
        labels = {0: f"{high:.2f}", height // 2: f"{(low + high) / 2:.2f}", height - 1: f"{low:.2f}"}
        body = Text("\n").join(Text(f"{labels.get(i, ''):>{label_width - 1}}┤", style="dim") + row
                               for i, row in enumerate(rows))
        legend = Text.assemble(("━ train", TRAIN_STYLE), "  ", ("━ val", VAL_STYLE))
        return Panel(body, title="loss (nats per token)", title_align="left", subtitle=legend,
                     subtitle_align="right")


# -- choosing it for a run ---------------------------------------------------------------------


def choose(config, model, info, console):
    """A ``Dashboard`` for a model of text (its dataset has a ``tokenizer`` and the model can
    ``generate``), else None: the runner then shows its plain progress bar."""
    tokenizer = info.get("tokenizer")
    if tokenizer is None or not hasattr(model, "generate"):
        return None
    prompt = SAMPLE_PROMPT
    try:
        tokenizer.encode(prompt)
    except ValueError:  # a vocabulary without these characters: start from its first token
        prompt = tokenizer.decode([0])

    def sample(epoch):
        if "sample" in info:  # the dataset shows its own, e.g. TinyTalks questions and answers
            return info["sample"](model)
        # A seeded generator of its own: sampling never moves the training's random state.
        return generate_text(model, tokenizer, prompt, SAMPLE_TOKENS, temperature=0.8, seed=epoch)

    per_batch = config["data"]["batch_size"] * info.get("block_size", 1)
    return Dashboard(console, sample=sample, per_batch=per_batch,
                     unit="tok" if "block_size" in info else "examples")
