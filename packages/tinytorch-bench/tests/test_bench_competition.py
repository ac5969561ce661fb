"""tt bench competition: grading timed against one after another, written into its own section of a file."""

import itertools
import json

import click
import pytest
from click.testing import CliRunner

from tinytorch.bench.perf import commands
from tinytorch.bench.perf import competition as bench
from tinytorch.bench.run.cli import main

from .conftest import CONFIGS

BEFORE = "# Benchmarks\n\nwritten by tt bench all\n\n## Goals\n\n| a | b |\n"
AFTER = "\n## After\n\nkept as it was\n"


def marked(body):
    return f"{bench.START}\n{body}\n{bench.END}"


def test_the_section_is_added_at_the_end_then_replaced_in_place():
    once = bench.with_section(BEFORE, marked("first"))
    assert once.startswith(BEFORE.rstrip("\n")) and once.endswith(marked("first") + "\n")
    around = once + AFTER
    twice = bench.with_section(around, marked("second"))
    assert twice == around.replace(marked("first"), marked("second"))  # the rest byte for byte
    assert bench.marked_section(twice) == marked("second")
    assert bench.with_section("", marked("new")) == marked("new") + "\n"  # a new file is the section alone


@pytest.mark.parametrize("text", [f"{bench.START} no end", f"{bench.END} {bench.START}",
                                  marked("a") + marked("b")])
def test_broken_markers_are_refused_rather_than_swallowing_text(text):
    with pytest.raises(click.ClickException, match="expected one section"):
        bench.with_section(text, marked("new"))


def test_tt_bench_all_keeps_the_section(tmp_path, monkeypatch):
    doc = tmp_path / "benchmarks.md"
    doc.write_text(bench.with_section(BEFORE, marked("grading numbers")))
    # every benchmark of tt bench all stubbed: what is tested is how it writes the file
    monkeypatch.setattr(commands.overhead_bench, "run", lambda **kwargs: {})
    monkeypatch.setattr(commands.train_bench, "run", lambda *args: {})
    monkeypatch.setattr(commands.train_bench, "breakdowns", lambda train: {})
    monkeypatch.setattr(commands.train_bench, "gemm_floors", lambda **kwargs: {})
    monkeypatch.setattr(commands.ops_bench, "run", lambda *args: {})
    monkeypatch.setattr(commands, "_fast_backends", lambda train: [])
    monkeypatch.setattr(commands.report, "evaluate", lambda results: [])
    monkeypatch.setattr(commands.report, "markdown", lambda results, goals: "# Benchmarks\n\nnew numbers\n")
    result = CliRunner().invoke(main, ["bench", "all", "--backends", "vectorized", "--write", str(doc)])
    assert result.exit_code == 0, result.output
    assert doc.read_text() == "# Benchmarks\n\nnew numbers\n\n" + marked("grading numbers") + "\n"


def test_a_grid_has_exactly_the_submissions_asked_for():
    assert [len(v) for v in bench.grid(100).values()] == [20, 5]  # docs/competition.md's 20 sparsities x 5
    for n in (1, 4, 7, 24, 100, 999):
        combos = list(itertools.product(*bench.grid(n).values()))
        assert len(combos) == len(set(combos)) == n
        assert all(0 < sparsity < 1 for sparsity, _ in combos)


def test_engines_are_checked_and_a_missing_ray_is_one_line(monkeypatch):
    with pytest.raises(click.BadParameter, match="did you mean 'ray'"):
        bench.choose_engines("local,rya")
    monkeypatch.setattr(bench, "ray_version", lambda: None)
    assert bench.choose_engines(None) == (["local"], [bench.RAY_MISSING + "; the local Ray row is skipped."])
    assert bench.choose_engines("local") == (["local"], [])
    for text, sweep in (("local,ray", False), (None, True)):
        with pytest.raises(click.UsageError, match=r"pip install tinytorch-bench\[ray\]"):
            bench.choose_engines(text, sweep)


def test_the_command_grades_real_submissions_and_rewrites_only_its_section(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "mine"))  # must be left alone: the bench has its own
    doc = tmp_path / "benchmarks.md"
    doc.write_text(BEFORE + "\n" + marked("old numbers") + "\n" + AFTER)
    args = ["bench", "competition", "--submissions", "2", "--engines", "local", "--jobs", "2",
            "--config", str(CONFIGS / "test" / "tiny_mlp.yaml"), "--write", str(doc), "--json", str(tmp_path / "out.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = doc.read_text()
    section = bench.marked_section(text)
    assert text == BEFORE + "\n" + section + "\n" + AFTER
    assert "old numbers" not in text and "tt bench competition --submissions 2 --engines local" in section
    rows = [line for line in section.splitlines() if line.startswith(("| one after another", "| local process"))]
    assert len(rows) == 2 and all(row.endswith("| 2 of 2 |") for row in rows)  # both graded and verified
    found = json.loads((tmp_path / "out.json").read_text())
    assert [row["verified"] for row in found["grading"]] == [[2], [2]]
    assert [row["workers"] for row in found["grading"]] == [1, 2]
    assert not (tmp_path / "mine").exists()
