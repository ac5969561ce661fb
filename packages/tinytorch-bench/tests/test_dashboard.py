"""The live training view: the braille chart on known points, and both ways of showing a run."""

import io

from rich.console import Console

from tinytorch.bench.run.dashboard import BLANK, Dashboard, braille_chart, choose, column_means
from tinytorch.text import GPT, CharTokenizer


def plain(rows):
    return [row.plain for row in rows]


# -- braille_chart -------------------------------------------------------------------------


def test_a_single_point_lights_one_dot():
    # One character is 2 dots wide and 4 high; (0, 0) is its bottom-left dot, dot 7 (0x40).
    assert plain(braille_chart([([(0, 0)], None)], 1, 1, (0, 1), (0, 1))) == [chr(BLANK + 0x40)]
    # (1, 1) is the top-right dot, dot 4 (0x08).
    assert plain(braille_chart([([(1, 1)], None)], 1, 1, (0, 1), (0, 1))) == [chr(BLANK + 0x08)]


def test_points_are_joined_by_a_line():
    # From bottom-left to top-right of one character: rows 3 and 2 in the left column,
    # rows 1 and 0 in the right one: dots 7, 3, 5, 4.
    [row] = plain(braille_chart([([(0, 0), (1, 1)], None)], 1, 1, (0, 1), (0, 1)))
    assert row == chr(BLANK + 0x40 + 0x04 + 0x10 + 0x08) == "⡜"


def test_a_flat_line_across_rows_and_characters():
    rows = plain(braille_chart([([(0, 1), (1, 1)], None)], 2, 2, (0, 1), (0, 1)))
    assert rows == ["⠉⠉", chr(BLANK) * 2]  # the top row of dots, and an empty row below
    rows = plain(braille_chart([([(0, 0), (1, 0)], None)], 2, 2, (0, 1), (0, 1)))
    assert rows == [chr(BLANK) * 2, "⣀⣀"]  # the bottom row of dots


def test_values_outside_the_ranges_are_drawn_on_the_edge():
    rows = plain(braille_chart([([(-5, 9)], None)], 3, 2, (0, 1), (0, 1)))
    assert rows == [chr(BLANK + 0x01) + chr(BLANK) * 2, chr(BLANK) * 3]


def test_the_later_series_colours_a_shared_cell():
    train = ([(0, 0), (1, 0)], "cyan")  # bottom edge, both characters
    val = ([(1, 0)], "magenta")  # only the right character
    [row] = braille_chart([train, val], 2, 1, (0, 1), (0, 1))
    assert row.plain == "⣀⣀"
    assert [(span.start, span.end, span.style) for span in row.spans] == [(0, 1, "cyan"), (1, 2, "magenta")]


def test_column_means_average_runs_of_steps():
    assert column_means([1, 2, 3, 4, 5], 2) == [(1.5, 1.5), (3.5, 3.5), (5.0, 5)]
    assert column_means([], 3) == []


# -- Dashboard -----------------------------------------------------------------------------


def drive(dashboard, epochs=2, batches=3):
    with dashboard:
        for epoch in range(1, epochs + 1):
            dashboard.start_epoch(epoch, epochs, batches)
            for step in range(batches):
                dashboard.advance(3.0 - 0.1 * step)
            dashboard.end_epoch({"epoch": epoch, "train_loss": 2.5, "val_loss": 2.0 / epoch, "seconds": 1.0})


def recorder():
    calls = []

    def sample(epoch):
        calls.append(epoch)
        return f"ROMEO: sample {epoch}"

    return sample, calls


def test_not_a_terminal_prints_plain_lines_and_samples():
    out = io.StringIO()
    sample, calls = recorder()
    dashboard = Dashboard(Console(file=out, width=120), sample=sample, per_batch=64)
    drive(dashboard)
    text = out.getvalue()
    assert "epoch 1/2  train loss 2.5000  val loss 2.0000" in text and "tok/s" in text
    assert "epoch 2/2  train loss 2.5000  val loss 1.0000" in text
    assert "sample after epoch 2:\nROMEO: sample 2" in text
    assert calls == [1, 2]  # after each epoch, and none before: nobody watches a log live
    assert "\x1b[" not in text and chr(BLANK) not in text  # no cursor codes, no chart
    assert (dashboard.epoch, dashboard.epochs, dashboard.completed, dashboard.step) == (2, 2, 2, 6)
    assert dashboard.val == [(3, 2.0), (6, 1.0)]  # validation losses placed at their steps


def test_a_terminal_gets_the_live_chart_and_a_sample_before_training():
    out = io.StringIO()
    sample, calls = recorder()
    console = Console(file=out, force_terminal=True, width=90, height=40, color_system=None)
    drive(Dashboard(console, sample=sample, per_batch=64))
    text = out.getvalue()
    assert calls == [0, 1, 2]
    assert "sample before training" in text and "sample after epoch 2" in text
    assert "loss (nats per token)" in text and "train" in text and "val" in text
    assert any(BLANK < ord(ch) <= BLANK + 0xFF for ch in text)  # braille dots drawn
    assert "epoch 2/2" in text and "step 6/6" in text


def test_the_chart_spans_the_whole_run_from_a_resumed_epoch():
    dashboard = Dashboard(Console(file=io.StringIO(), width=80))
    dashboard.start_epoch(3, 4, 10)  # resumed after epoch 2: steps 21..40 remain
    dashboard.advance(1.0)
    assert dashboard.step == 21


def test_choose_picks_the_dashboard_for_a_model_of_text_only():
    tokenizer = CharTokenizer.from_text("ROMEO: and JULIET\n")
    info = {"tokenizer": tokenizer, "block_size": 8, "vocab_size": tokenizer.vocab_size}
    model = GPT(tokenizer.vocab_size, 8, 1, 2, 8)
    config = {"data": {"batch_size": 4}}
    dashboard = choose(config, model, info, Console(file=io.StringIO()))
    assert isinstance(dashboard, Dashboard) and dashboard.per_batch == 4 * 8
    text = dashboard.sample(0)
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 200
    assert choose(config, model, {"block_size": 8}, Console(file=io.StringIO())) is None  # no tokenizer


def test_a_vocabulary_without_the_prompt_starts_from_its_first_token():
    tokenizer = CharTokenizer.from_text("abc")
    model = GPT(3, 8, 1, 2, 8)
    dashboard = choose({"data": {"batch_size": 2}}, model, {"tokenizer": tokenizer, "block_size": 8},
                       Console(file=io.StringIO()))
    assert dashboard.sample(1)[0] == "a"
