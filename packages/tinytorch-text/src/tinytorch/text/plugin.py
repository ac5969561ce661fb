"""tinytorch-text's plugin: the datasets ``tinyshakespeare``, ``tinytalks`` and
``tinytorch-code``, and the ``gpt`` model.

Registered through the ``tinytorch`` entry point in this package's pyproject.toml,
exactly as a third-party plugin would be, so a config can say
``data: {name: tinyshakespeare, block_size: 64}`` and ``model: {name: gpt, n_layers: 4}``.

Read next: `gpt.py` for the model, `datasets.py`, `tinytalks.py` and `code_completion.py`
for the data.
"""

from tinytorch.core.hookspecs import hookimpl
from tinytorch.text.code_completion import tinytorch_code
from tinytorch.text.datasets import tinyshakespeare
from tinytorch.text.gpt import GPT
from tinytorch.text.tinytalks import tinytalks


def gpt(info, d_model=128, n_layers=4, n_heads=4, max_seq_len=None, dropout=0.0, tie_weights=False):
    """A `GPT` sized for the dataset: ``info`` gives ``vocab_size`` and ``block_size``
    (the default ``max_seq_len``)."""
    for key in ("vocab_size", "block_size"):
        if key not in info:
            raise ValueError(
                f"model 'gpt' needs a text dataset whose info has {key!r} (such as "
                f"tinyshakespeare); this dataset's info has {sorted(info)}"
            )
    return GPT(info["vocab_size"], d_model, n_layers, n_heads, max_seq_len or info["block_size"],
               dropout=dropout, tie_weights=tie_weights)


@hookimpl
def tinytorch_register_datasets(register):
    register("tinyshakespeare", tinyshakespeare)
    register("tinytalks", tinytalks)
    register("tinytorch-code", tinytorch_code)


@hookimpl
def tinytorch_register_models(register):
    register("gpt", gpt)
