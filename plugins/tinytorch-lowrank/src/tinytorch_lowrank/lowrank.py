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
from tinytorch.core.names import unknown_option

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
        most = min(layer.in_features, layer.out_features)
        if not 1 <= rank <= most:
            raise ValueError(f"rank must be between 1 and {most} for a {layer.out_features}x{layer.in_features} weight, "
                             f"found {rank}")
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
    """Factorize every ``nn.Linear`` in ``model`` that a factorization shrinks.

    Give exactly one of ``rank`` and ``energy``. Layers are replaced in place; returns
    ``(model, ranks)``, where ``ranks`` maps each replaced layer's dotted name to its
    rank, and ``model`` is new only if ``model`` itself was a Linear layer.
    """
    def replacement(layer):
        r = rank if rank is not None else rank_for_energy(singular_values(layer), energy)
        return LowRankLinear.from_linear(layer, r) if saves_parameters(layer, r) else None

    if type(model) is nn.Linear:
        new = replacement(model)
        return (model, {}) if new is None else (new, {"": new.rank})
    ranks = {}
    for prefix, parent in list(model.named_modules()):  # a list: we change the tree as we go
        for name, child in list(parent.named_children()):
            new = replacement(child) if type(child) is nn.Linear else None
            if new is not None:
                setattr(parent, name, new)  # a Sequential keeps the new layer in the old one's place
                ranks[f"{prefix}.{name}" if prefix else name] = new.rank
    return model, ranks


class LowRank:
    """The ``lowrank`` pass: ``{name: lowrank, rank: 16}`` or ``{name: lowrank, energy: 0.9}``.

    Options: exactly one of ``rank`` (an integer >= 1) and ``energy`` (a number in (0, 1]),
    and ``finetune_epochs`` (an integer >= 0, default 0).
    """

    def validate(self, options, model, info=None):
        """Raise ValueError naming every bad option, before any training starts."""
        problems = [unknown_option(key, OPTIONS) for key in options if key not in OPTIONS]
        given = [key for key in ("rank", "energy") if key in options]
        if len(given) != 1:
            problems.append(f"give exactly one of 'rank' and 'energy', found {'both' if given else 'neither'}")
        if "rank" in options and not _is_int(options["rank"], at_least=1):
            problems.append(f"rank must be an integer >= 1, found {options['rank']!r}")
        if "energy" in options and not (_is_number(options["energy"]) and 0 < options["energy"] <= 1):
            problems.append(f"energy must be a number in (0, 1], found {options['energy']!r}")
        epochs = options.get("finetune_epochs", 0)
        if not _is_int(epochs, at_least=0):
            problems.append(f"finetune_epochs must be an integer >= 0, found {epochs!r}")
        if problems:
            raise ValueError("lowrank: " + "; ".join(problems))
        linears = [m for m in model.modules() if type(m) is nn.Linear]
        if not linears:
            raise ValueError(f"lowrank: {type(model).__name__} has no Linear layer to factorize")
        rank = options.get("rank")
        if rank is not None and not any(saves_parameters(m, rank) for m in linears):
            best = max((m.in_features * m.out_features - 1) // (m.in_features + m.out_features) for m in linears)
            if best < 1:
                raise ValueError("lowrank: no Linear layer of this model is large enough to shrink by factorizing")
            raise ValueError(f"lowrank: rank {rank} would save parameters in no Linear layer of this model; "
                             f"choose a rank of at most {best}")

    def apply(self, model, options, context):
        """Factorize ``model``'s Linear layers, fine-tune if asked, and report what changed."""
        before = model.num_parameters()
        model, ranks = factorize(model, rank=options.get("rank"), energy=options.get("energy"))
        epochs = options.get("finetune_epochs", 0)
        if epochs and ranks:
            context.finetune(model, epochs)
        context.report.update(ranks=ranks, parameters_before=before,
                              parameters_after=model.num_parameters(), finetune_epochs=epochs)
        return model


def _is_int(value, at_least):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= at_least


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
