"""The code corpus (a fixed snapshot of TinyTorch's source) and the ast.parse measure."""

import ast

import pytest

from tinytorch.core.data import load_dataset
from tinytorch.text import GPT
from tinytorch.text import code_completion as cc

HEADER = "    def area(self, r):\n"


def test_the_snapshot_holds_the_pinned_files_and_they_are_python():
    files = cc.corpus()  # checks the sha256
    assert list(files) == list(cc.TRAIN_FILES + cc.HELD_OUT_FILES)
    for source in files.values():
        ast.parse(source)


def test_split_corpus_reads_back_what_was_joined():
    text = f"{cc.HEADER}a.py\nx = 1\n{cc.HEADER}b.py\ny = 2\n"
    assert cc.split_corpus(text) == {"a.py": "x = 1\n", "b.py": "y = 2\n"}


@pytest.mark.parametrize("completion, ok", [
    ("        return 3.14 * r * r\n\n    def next(self):\n", True),  # stops at the next def
    ("        if r > 0:\n            return r\n        return 0\n", True),
    ("        return (3.14 * r\n", False),  # unbalanced bracket
    ("        return r\n        retu", True),  # the cut-off last line is dropped
    ("    def other(self):\n", False),  # no body at all
    ("        x = = 1\n", False),
])
def test_a_completion_parses_only_if_the_function_is_valid_python(completion, ok):
    assert cc.parses(HEADER, completion) is ok


def test_function_prompts_end_at_the_def_and_carry_the_code_before():
    first = "x = 1\n"
    second = "class A:\n    @property\n    def f(\n        self,\n    ):\n        return 1\n\n    def g(self): return 2\n"
    prompts = cc.function_prompts([first, second])
    assert prompts == [(first + second[:second.index("        return 1")], "    def f(\n        self,\n    ):\n")]


def test_the_dataset_has_held_out_functions_to_complete():
    splits = load_dataset("tinytorch-code", block_size=64, windows_per_epoch=8, functions=3)
    assert len(splits.train) == 8 and len(splits.test) > 100
    assert "evaluate" in splits.info


def test_the_dashboard_sample_is_a_completed_held_out_function():
    splits = load_dataset("tinytorch-code", block_size=16, windows_per_epoch=8, functions=1)
    model = GPT(splits.info["vocab_size"], 16, 1, 2, 16)
    text = splits.info["sample"](model)
    assert text.startswith("    def __init__(self, normalized_shape") and text.endswith(("# (parses)", "# (does not parse)"))
