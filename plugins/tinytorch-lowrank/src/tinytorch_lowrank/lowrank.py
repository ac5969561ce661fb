"""Low-rank factorization: a Linear layer's weight matrix as the product of two thin ones.

A Linear layer with weight ``W`` (out x in) stores and multiplies ``out * in`` numbers.
The singular value decomposition ``W = U diag(s) V^T`` sorts W's directions by how much
they matter (``s`` is descending). Keeping the first ``r`` gives
``W_r = U_r diag(s_r) V_r^T``, and the Eckart–Young theorem says no matrix of rank ``r``
is closer to ``W``: ``||W - W_r||_F^2`` is exactly the sum of the discarded ``s_i^2``.

``W_r`` is two Linear layers in a row: ``down`` (in -> r) then ``up`` (r -> out), holding
``r * (in + out)`` weights instead of ``in * out``. That saves parameters and
multiply-adds only while ``r < in * out / (in + out)``; layers where it would not are
left alone.

The pass's options choose ``r`` for each layer: ``rank`` (the same ``r`` everywhere) or
``energy`` (the smallest ``r`` that keeps that fraction of ``sum(s^2)``, so each layer
gets the rank its own spectrum needs). ``finetune_epochs`` then trains the factored
model briefly to win back accuracy the discarded directions carried.

Read next: ``plugin.py``, which registers ``LowRank`` as the pass ``lowrank``.
"""

import numbers

import numpy as np

from tinytorch import nn

OPTIONS = ("rank", "energy", "finetune_epochs")


class LowRankLinear(nn.Module):
    """``up(down(x))``: a rank-``rank`` stand-in for ``Linear(in_features, out_features)``."""

    def __init__(self, in_features, out_features, rank, bias=True):
        super().__init__()
        self.in_features, self.out_features, self.rank = in_features, out_features, rank
        self.down = nn.Linear(in_features, rank, bias=False)
        self.up = nn.Linear(rank, out_features, bias=bias)

    @classmethod
    def from_linear(cls, layer, rank):
        """The best rank-``rank`` approximation of ``layer`` (same bias, same fused activation)."""
        u, s, vt = np.linalg.svd(layer.weight.data.astype(np.float64), full_matrices=False)
        # sqrt(s) on each side keeps both factors on the same scale, which fine-tuning likes.
        root = np.sqrt(s[:rank])
        new = cls(layer.in_features, layer.out_features, rank, bias=layer.bias is not None)
        dtype = layer.weight.dtype
        new.down.weight.data = (root[:, None] * vt[:rank]).astype(dtype)
        new.up.weight.data = (u[:, :rank] * root).astype(dtype)
        if layer.bias is not None:
            new.up.bias.data = layer.bias.data.copy()
        new.up.activation = layer.activation
        return new

    def forward(self, x):
        return self.up(self.down(x))

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, rank={self.rank}"


def singular_values(layer):
    """The singular values of ``layer``'s weight, largest first."""
    return np.linalg.svd(layer.weight.data.astype(np.float64), compute_uv=False)


def rank_for_energy(s, energy):
    """The smallest ``r`` whose top ``r`` singular values keep ``energy`` of ``sum(s^2)``."""
    kept = np.cumsum(s.astype(np.float64) ** 2)
    if kept[-1] == 0:  # an all-zero matrix: any rank reproduces it
        return 1
    return min(int(np.searchsorted(kept / kept[-1], energy)) + 1, len(s))


def saves_parameters(layer, rank):
    """Whether ``down`` + ``up`` at ``rank`` hold fewer weights than ``layer`` does."""
    return rank * (layer.in_features + layer.out_features) < layer.in_features * layer.out_features


def factorize(model, rank=None, energy=None):
    """Replace, in place, every ``nn.Linear`` in ``model`` that a factorization shrinks.

    Give exactly one of ``rank`` and ``energy``. Returns ``{dotted name: rank}`` for the
    layers replaced; a ``model`` that is itself a Linear is not changed (nothing holds it).
    """
    replaced = {}
    for prefix, parent in list(model.named_modules()):
        children = list(parent.named_children())
        swaps = {}
        for name, child in children:
            if type(child) is not nn.Linear:
                continue
            r = rank if rank is not None else rank_for_energy(singular_values(child), energy)
            if saves_parameters(child, r):
                swaps[name] = LowRankLinear.from_linear(child, r)
                replaced[f"{prefix}.{name}" if prefix else name] = r
        if swaps:
            # Assign every child again, in order, so containers such as Sequential keep
            # their order whether or not assignment moves a replaced name to the end.
            for name, child in children:
                setattr(parent, name, swaps.get(name, child))
    return replaced


class LowRank:
    """The ``lowrank`` pass: ``{name: lowrank, rank: 16}`` or ``{name: lowrank, energy: 0.9}``.

    Options: exactly one of ``rank`` (an integer >= 1) and ``energy`` (a number in (0, 1]),
    and ``finetune_epochs`` (an integer >= 0, default 0).
    """

    def validate(self, options, model_config=None):
        """Raise ValueError naming every bad option, before any training starts."""
        problems = []
        for key in options:
            if key != "name" and key not in OPTIONS:
                problems.append(f"unknown option {key!r}; lowrank takes {', '.join(OPTIONS)}")
        given = [key for key in ("rank", "energy") if key in options]
        if len(given) != 1:
            found = "both" if len(given) == 2 else "neither"
            problems.append(f"give exactly one of 'rank' and 'energy', found {found}")
        if "rank" in options and not _is_int(options["rank"], at_least=1):
            problems.append(f"'rank' must be an integer >= 1, found {options['rank']!r}")
        energy = options.get("energy")
        if "energy" in options and not (_is_number(energy) and 0 < energy <= 1):
            problems.append(f"'energy' must be a number in (0, 1], found {energy!r}")
        epochs = options.get("finetune_epochs", 0)
        if not _is_int(epochs, at_least=0):
            problems.append(f"'finetune_epochs' must be an integer >= 0, found {epochs!r}")
        if problems:
            raise ValueError("lowrank: " + "; ".join(problems))

    def apply(self, model, options, context):
        """Factorize ``model``'s Linear layers, then fine-tune if asked; return the model."""
        self.validate(options)
        self.replaced = factorize(model, rank=options.get("rank"), energy=options.get("energy"))
        epochs = options.get("finetune_epochs", 0)
        if epochs and self.replaced:
            model = context.finetune(model, epochs) or model
        return model


def _is_int(value, at_least):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= at_least


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
