"""From a run directory back to a model that writes: what ``tt generate`` does.

    tt generate runs/milestone-2017 --prompt "ROMEO:" --tokens 200

A run of a text model leaves everything needed to write again (see ``runner.py``):
``config.yaml`` says which model to build and how big, ``model.npz`` holds its trained
weights and ``tokenizer.json`` turns text into token ids and back. ``load_run`` rebuilds
the model exactly as the run did (same factory, same options, the dataset's ``info``)
and loads the weights into it; ``sample`` encodes the prompt, generates and decodes.

Every expected failure (not a run directory, a model that cannot generate, a prompt the
tokenizer cannot encode) is a ``RunError`` whose message says what to do; ``tt`` prints
it without a traceback.

Read next: ``tinytorch.text.generation``, where the tokens are chosen.
"""

from dataclasses import dataclass
from pathlib import Path

import tinytorch.nn as nn
from tinytorch.core import use_backend
from tinytorch.text import TokenizerFileError, generate_text, load_tokenizer

from .prepare import RunError, prepare

RUN_FILES = ("config.yaml", "model.npz", "tokenizer.json")


@dataclass
class TrainedRun:
    config: dict
    model: nn.Module
    tokenizer: object


def load_run(run_dir):
    """The resolved config, the trained model and the tokenizer of the run in ``run_dir``."""
    run_dir = Path(run_dir)
    missing = [name for name in RUN_FILES if not (run_dir / name).is_file()]
    if missing:
        raise RunError(
            f"{run_dir} is not the run directory of a trained text model: it has no "
            f"{', '.join(missing)}; expected the directory `tt run CONFIG --out DIR` wrote for a "
            f"model of text (such as configs/milestones/2017_transformer_shakespeare.yaml)"
        )
    try:
        tokenizer = load_tokenizer(run_dir / "tokenizer.json")
    except (OSError, TokenizerFileError) as error:
        raise RunError(f"cannot read the run's tokenizer: {error}") from None
    prepared = prepare(run_dir / "config.yaml")
    config, model = prepared.config, prepared.model
    if not hasattr(model, "generate"):
        raise RunError(f"model {config['model']['name']!r} of {run_dir} has no generate(); it does not write text")
    model_vocab = getattr(model, "vocab_size", None)
    if model_vocab is not None and tokenizer.vocab_size < model_vocab:  # it could write ids nobody can read
        raise RunError(
            f"{run_dir / 'tokenizer.json'}: expected a tokenizer of at least {model_vocab} tokens (the "
            f"model's vocabulary), found {tokenizer.vocab_size}; the file belongs to another run")
    try:
        nn.load(run_dir / "model.npz", model)
    except (OSError, ValueError, RuntimeError) as error:
        raise RunError(f"cannot load the run's weights: {error}") from None
    return TrainedRun(config, model, tokenizer)


def sample(run_dir, prompt, tokens, temperature=0.8, top_k=None, seed=None):
    """``prompt`` followed by ``tokens`` new tokens from the run's model, as text.

    ``temperature <= 0`` is greedy decoding; ``top_k`` keeps the k likeliest tokens at each
    step; ``seed`` makes the sample repeatable. Past the model's context window the
    generator slides it (see ``tinytorch.text.generation``).
    """
    trained = load_run(run_dir)
    try:
        trained.tokenizer.encode(prompt)
    except ValueError as error:  # the tokenizer's message names the characters
        raise RunError(f"--prompt {prompt!r}: {error}") from None
    with use_backend(trained.config["backend"]):
        return generate_text(trained.model, trained.tokenizer, prompt, tokens,
                             temperature=temperature, top_k=top_k, seed=seed)
