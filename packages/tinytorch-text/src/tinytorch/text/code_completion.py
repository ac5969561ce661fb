"""Code completion: a character-level GPT trained on TinyTorch's own Python source.

The corpus is the project reading itself: the files in ``TRAIN_FILES`` train, the ones
in ``HELD_OUT_FILES`` validate. It ships as one snapshot, ``data/tinytorch-code.txt``
(each file after a ``# file: <path>`` line), with its sha256 in ``CORPUS_SHA256``, so the
corpus is fixed per version of this package even while the source keeps changing.
``write_snapshot(root, path)`` rebuilds it from a checkout; a new snapshot is a new
checksum, on purpose.

**The measure a learner understands.** Validation loss says how surprised the model is
by unseen code. ``completion_parse_rate`` says whether what it writes is Python: for
every function in the held-out files, prompt the model with the code up to and
including the ``def`` line, sample a continuation (temperature 0.8, seeded), keep the
body (the complete lines before the first one that is back at the ``def``'s indentation)
and ask ``ast.parse`` whether ``def ...:`` plus that body is valid Python. An empty body
is not: a function needs at least one statement.

Read next: ``tinytalks.py``, the other dataset that brings its own measure
(``info["evaluate"]``, which the runner records in ``metrics.json``).
"""

from __future__ import annotations

import ast
import textwrap
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from tinytorch.core.data import DatasetSplits
from tinytorch.core.data.sources import check_bytes
from tinytorch.core.files import write_text
from tinytorch.text.datasets import ConsecutiveWindows, RandomWindows
from tinytorch.text.generation import generate
from tinytorch.text.tokenizers import CharTokenizer

# Paths inside packages/ of the repository, as of the snapshot.
TRAIN_FILES = tuple(
    f"tinytorch-{package}/src/tinytorch/{package}/{name}"
    for package, names in (
        ("core", ("tensor.py", "autograd.py", "functional.py", "backend.py", "data/dataset.py",
                  "data/loader.py", "data/sources.py")),
        ("nn", ("module.py", "init.py", "attention.py", "models.py", "serialization.py")),
        ("optim", ("optimizer.py", "adam.py", "lr_scheduler.py", "trainer.py")),
        ("text", ("tokenizers.py", "generation.py", "gpt.py", "datasets.py")),
    )
    for name in names
)
HELD_OUT_FILES = ("tinytorch-nn/src/tinytorch/nn/norm.py", "tinytorch-text/src/tinytorch/text/embedding.py",
                  "tinytorch-core/src/tinytorch/core/data/datasets.py")
CORPUS_FILE = "tinytorch-code.txt"
CORPUS_SHA256 = "c260348b7372903e3b9d35bdbc9a788b7a2c0a7be748de3fd05db40a4536a32d"
HEADER = "# file: "
COMPLETION_TOKENS = 240  # characters sampled per function body
COMPLETION_TEMPERATURE = 0.8


def write_snapshot(root, path) -> str:
    """Write the corpus of the checkout's ``packages/`` at ``root`` to ``path``; return it."""
    parts = [f"{HEADER}{name}\n{(Path(root) / 'packages' / name).read_text(encoding='utf-8')}"
             for name in TRAIN_FILES + HELD_OUT_FILES]
    text = "".join(parts)
    write_text(path, text)
    return text


def split_corpus(text: str) -> dict[str, str]:
    """``{path: source}`` of a snapshot, in order."""
    files = {}
    for chunk in text.split(f"\n{HEADER}") if text.startswith(HEADER) else []:
        name, _, source = chunk.removeprefix(HEADER).partition("\n")
        files[name] = source if source.endswith("\n") else source + "\n"
    return files


@lru_cache(maxsize=1)
def corpus() -> dict[str, str]:
    """The checked snapshot shipped in this package, as ``{path: source}``."""
    shipped = resources.files("tinytorch.text") / "data" / CORPUS_FILE
    data = check_bytes(shipped.read_bytes(), CORPUS_SHA256, f"the shipped {shipped}", package="tinytorch-text")
    files = split_corpus(data.decode("utf-8"))
    if list(files) != list(TRAIN_FILES + HELD_OUT_FILES):
        raise ValueError(f"{shipped} does not hold the files TRAIN_FILES and HELD_OUT_FILES name; rebuild it")
    return files


def tinytorch_code(block_size: int = 128, windows_per_epoch: int = 2048, seed: int = 0,
                   functions: int | None = None) -> DatasetSplits:
    """The corpus as character windows: random ones of the training files, consecutive
    ones of the held-out files. ``info["evaluate"](model)`` measures the parse rate over
    the held-out functions (the first ``functions`` of them, or all); ``info["sample"]``
    completes the first of them, for the dashboard."""
    files = corpus()
    train = "".join(files[name] for name in TRAIN_FILES)
    held_out = "".join(files[name] for name in HELD_OUT_FILES)
    tokenizer = CharTokenizer.from_text(train + held_out)
    prompts = function_prompts([files[name] for name in HELD_OUT_FILES])[:functions]
    info = {
        "name": "tinytorch-code", "vocab_size": tokenizer.vocab_size, "block_size": block_size,
        "tokenizer": tokenizer, "num_classes": tokenizer.vocab_size, "input_shape": (block_size,),
        "evaluate": lambda model: evaluate(model, tokenizer, prompts, seed),
        "sample": lambda model: sample(model, tokenizer, prompts[0]),
    }
    return DatasetSplits(
        RandomWindows(tokenizer.encode(train), block_size, windows_per_epoch, seed),
        ConsecutiveWindows(tokenizer.encode(held_out), block_size),
        info,
    )


# -- the parse-rate measure -------------------------------------------------------------


def function_prompts(sources) -> list[tuple[str, str]]:
    """``(code before the body, the def line(s))`` for every function in ``sources``.

    The first part is all of ``sources`` up to and including the function's header (so the
    first functions of a file see the end of the previous one); the second is the header
    alone (decorators left out, ``def`` and its arguments, possibly over several lines).
    """
    prompts, before = [], ""
    for source in sources:
        lines = source.splitlines(keepends=True)
        functions = [node for node in ast.walk(ast.parse(source))
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for node in sorted(functions, key=lambda node: node.lineno):
            body_line = node.body[0].lineno - 1  # 0-based line where the body starts
            if body_line < node.lineno:
                continue  # a one-line `def f(): ...` has no body to complete
            prompts.append((before + "".join(lines[:body_line]), "".join(lines[node.lineno - 1:body_line])))
        before += source
    return prompts


def completed_body(header: str, completion: str) -> str:
    """The complete lines of ``completion`` that belong to the body of ``header``'s function.

    The body ends at the first non-blank line indented no deeper than the ``def``; a last
    line without its newline was cut off by the sampling budget and is dropped.
    """
    indent = len(header) - len(header.lstrip())
    body = []
    for line in completion.splitlines(keepends=True):
        if not line.endswith("\n"):
            break
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        body.append(line)
    return "".join(body)


def parses(header: str, completion: str) -> bool:
    """Whether the function ``header`` + the body taken from ``completion`` is valid Python."""
    try:
        ast.parse(textwrap.dedent(header + completed_body(header, completion)))
    except SyntaxError:
        return False
    return True


def sample(model, tokenizer, prompt, seed=0) -> str:
    """One held-out function as the model completes it: the dashboard's view of training."""
    before, header = prompt
    ids = np.array([tokenizer.encode(before)[-model.max_seq_len:]], dtype=np.int64)
    out = generate(model, ids, COMPLETION_TOKENS, temperature=COMPLETION_TEMPERATURE, seed=seed)
    completion = tokenizer.decode(out[0, ids.shape[1]:].tolist())
    verdict = "parses" if parses(header, completion) else "does not parse"
    return f"{header}{completed_body(header, completion)}# ({verdict})"


def evaluate(model, tokenizer, prompts, seed=0) -> dict:
    """``completion_parse_rate`` over ``prompts`` (from `function_prompts`), with examples."""
    if not prompts:
        raise ValueError("the parse rate needs at least one held-out function")
    window = model.max_seq_len  # every prompt is cut to the same length, so one batch samples all
    if min(len(before) for before, _ in prompts) < window:
        raise ValueError(f"every prompt must be at least {window} characters long; the first function starts too early")
    ids = np.array([tokenizer.encode(before)[-window:] for before, _ in prompts], dtype=np.int64)
    out = generate(model, ids, COMPLETION_TOKENS, temperature=COMPLETION_TEMPERATURE, seed=seed)
    completions = [tokenizer.decode(row[ids.shape[1]:].tolist()) for row in out]
    ok = [parses(header, text) for (_, header), text in zip(prompts, completions)]
    examples = [{"header": header, "body": completed_body(header, text), "parses": good}
                for (_, header), text, good in zip(prompts[:4], completions, ok)]
    return {"completion_parse_rate": sum(ok) / len(ok), "completion_functions": len(ok),
            "completion_examples": examples}
