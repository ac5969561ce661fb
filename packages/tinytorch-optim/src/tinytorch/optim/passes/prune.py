"""Prune: remove the weights that matter least, judged by their size.

Magnitude pruning bets that a weight near zero contributes little, so setting it to
exactly zero costs little accuracy. Two kinds:

* **Unstructured**: in every Linear and Conv2d, the fraction ``sparsity`` of weights
  with the smallest |w| become zero. A mask remembers which. The matrices keep their
  shape (dense kernels still multiply the zeros), so this alone saves neither bytes nor
  time; it is the step before sparse storage, or before quantization.
* **Structured**: whole neurons (rows of a Linear) or channels (filters of a Conv2d)
  go, those whose incoming weights and bias have the smallest L1 norm (Li et al.,
  2017). The layer gets fewer outputs and the next layer fewer inputs, so the matrices
  really shrink and inference really speeds up. The output layer keeps every class. A
  unit whose weights and bias are all zero outputs a constant zero, so removing it
  changes nothing at all; removing small ones changes little.

Accuracy lost to pruning mostly comes back with a few epochs of fine-tuning
(``finetune_epochs``). For unstructured pruning the masks stay on while fine-tuning:
the pruned weights are zeroed again before every forward pass, so the optimizer cannot
grow them back.

Structured pruning needs to know which layer feeds which. It handles a chain (the
built-in perceptron, mlp and lenet): Linear and Conv2d layers in the order they were
added, with only parameter-free layers between them (ReLU, pooling, Flatten, Dropout).

It also handles a transformer (a model with ``TransformerBlock``s, such as the GPT),
where the residual stream fixes the width every block reads and writes, so only what is
inside a block can shrink: ``sparsity`` of each block's MLP neurons (rows of ``fc``,
columns of ``proj``) and ``heads`` of each block's attention heads (a head's query, key
and value rows of ``qkv`` and its columns of the output ``proj``), weakest first by the
L1 norm of their incoming weights. Unstructured pruning treats a GPT like any model.

Read next: ``distill.py``.
"""

import numpy as np

from tinytorch import nn
from tinytorch.core import no_grad

from .base import Pass, is_int, is_number

PRUNABLE = (nn.Linear, nn.Conv2d)


def prunable_layers(model):
    return [m for m in model.modules() if isinstance(m, PRUNABLE)]


def sparsity(model):
    """The fraction of Linear/Conv2d weights that are exactly zero."""
    weights = [layer.weight.data for layer in prunable_layers(model)]
    return sum(int((w == 0).sum()) for w in weights) / max(sum(w.size for w in weights), 1)


# -- unstructured ------------------------------------------------------------------------


def magnitude_masks(model, amount):
    """Per layer, a boolean mask that is False on the ``amount`` fraction of smallest |w|."""
    masks = []
    for layer in prunable_layers(model):
        # region 18 compression: per layer: False on the round(amount * size) smallest |w| (a stable argsort), True elsewhere
        w = np.abs(layer.weight.data).ravel()
        keep = np.ones(w.size, dtype=bool)
        keep[np.argsort(w, kind="stable")[: int(round(amount * w.size))]] = False
        # endregion
        masks.append((layer.weight, keep.reshape(layer.weight.shape)))
    return masks


def apply_masks(masks):
    with no_grad():
        for weight, mask in masks:
            weight.data *= mask


class KeepMasks(nn.Module):
    """``model`` with its pruned weights zeroed again before every forward (for fine-tuning)."""

    def __init__(self, model, masks):
        super().__init__()
        self.model, self.masks = model, masks

    def forward(self, x):
        apply_masks(self.masks)
        return self.model(x)


# -- structured --------------------------------------------------------------------------


def layer_chain(model):
    """The Linear/Conv2d layers of ``model`` in order, checked to form a chain; else ValueError."""
    layers = prunable_layers(model)
    others = [  # leaves that hold state: a norm, an embedding, ... (a leaf's state is its own)
        (name, m) for name, m in model.named_modules()
        if not isinstance(m, PRUNABLE) and next(m.children(), None) is None and m.state_dict()
    ]
    if others:
        name, module = others[0]
        raise ValueError(
            f"prune: structured pruning handles a chain of Linear and Conv2d layers with only "
            f"parameter-free layers between them, but {type(module).__name__} {name!r} has its own "
            f"parameters or buffers; use structured: false"
        )
    if len(layers) < 2:
        raise ValueError(
            f"prune: structured pruning removes hidden units, but {type(model).__name__} has "
            f"{len(layers)} Linear/Conv2d layer(s) and so no hidden layer; use structured: false"
        )
    for a, b in zip(layers, layers[1:]):
        if _units(a) == _inputs(b) or (isinstance(a, nn.Conv2d) and isinstance(b, nn.Linear)
                                       and b.in_features % a.out_channels == 0):
            continue
        raise ValueError(
            f"prune: structured pruning needs each layer to feed the next, but {a!r} gives "
            f"{_units(a)} outputs and the next layer {b!r} takes {_inputs(b)} inputs"
        )
    return layers


def _units(layer):
    return layer.out_features if isinstance(layer, nn.Linear) else layer.out_channels


def _inputs(layer):
    return layer.in_features if isinstance(layer, nn.Linear) else layer.in_channels


def unit_importance(layer):
    """L1 norm of each output unit's incoming weights and bias."""
    score = np.abs(layer.weight.data.reshape(_units(layer), -1)).sum(axis=1)
    return score if layer.bias is None else score + np.abs(layer.bias.data)


def remove_units(layer, following, keep, following_columns=None):
    """Keep only output units ``keep`` (sorted indices) of ``layer`` and the matching inputs of
    ``following`` (``following_columns`` if those are not the same indices)."""
    old = _units(layer)
    layer.weight = nn.Parameter(layer.weight.data[keep])
    if layer.bias is not None:
        layer.bias = nn.Parameter(layer.bias.data[keep])
    if isinstance(layer, nn.Linear):
        layer.out_features = len(keep)
    else:
        layer.out_channels = len(keep)
    columns = keep if following_columns is None else following_columns
    if isinstance(layer, nn.Conv2d) and isinstance(following, nn.Linear):
        # Flatten laid the (C, H, W) output out channel by channel: channel c owns a block.
        block = following.in_features // old
        columns = (np.asarray(keep)[:, None] * block + np.arange(block)).ravel()
    following.weight = nn.Parameter(following.weight.data[:, columns])
    if isinstance(following, nn.Linear):
        following.in_features = len(columns)
    else:
        following.in_channels = len(columns)


# -- structured, inside transformer blocks -----------------------------------------------


def transformer_blocks(model):
    return [m for m in model.modules() if isinstance(m, nn.TransformerBlock)]


def strongest(scores, amount):
    """Sorted indices of the ``1 - amount`` fraction of highest ``scores`` (at least one)."""
    k = max(1, len(scores) - int(round(amount * len(scores))))
    return np.sort(np.argsort(-scores, kind="stable")[:k])


def prune_heads(attn, amount):
    """Remove the ``amount`` fraction of ``attn``'s weakest heads; return (before, after)."""
    h, d, width = attn.n_heads, attn.d_head, attn.n_heads * attn.d_head
    # qkv's rows are [q | k | v], each laid out head by head: head i owns rows i*d..i*d+d of each part.
    rows = np.abs(attn.qkv.weight.data).sum(axis=1).reshape(3, h, d)
    keep = strongest(rows.sum(axis=(0, 2)), amount)
    per_head = (keep[:, None] * d + np.arange(d)).ravel()
    qkv_rows = np.concatenate([part * width + per_head for part in range(3)])
    remove_units(attn.qkv, attn.proj, qkv_rows, following_columns=per_head)
    attn.n_heads = len(keep)
    return h, len(keep)


def prune_transformer(model, amount, heads):
    """MLP neurons (``amount``) and heads (``heads``) of every block; return the counts removed."""
    counts = {"neurons_before": 0, "neurons_after": 0, "heads_before": 0, "heads_after": 0}
    for block in transformer_blocks(model):
        n = block.fc.out_features
        keep = strongest(unit_importance(block.fc), amount)
        remove_units(block.fc, block.proj, keep)
        counts["neurons_before"] += n
        counts["neurons_after"] += len(keep)
        if heads:
            before, after = prune_heads(block.attn, heads)
            counts["heads_before"] += before
            counts["heads_after"] += after
    return counts


def prune_units(model, amount):
    """Remove the ``amount`` fraction of weakest units of every hidden layer; return (before, after) unit counts."""
    layers = layer_chain(model)
    before = after = 0
    for layer, following in zip(layers, layers[1:]):
        n = _units(layer)
        keep = strongest(unit_importance(layer), amount)
        remove_units(layer, following, keep)
        before, after = before + n, after + len(keep)
    return before, after


class Prune(Pass):
    """``{name: prune, sparsity: 0.5, structured: false, heads: 0.0, finetune_epochs: 0}``."""

    name = "prune"
    defaults = {"sparsity": 0.5, "structured": False, "heads": 0.0, "finetune_epochs": 0}

    def validate(self, options, model, info):
        o = self.options(options)
        s = o["sparsity"]
        self.expect(is_number(s) and 0 <= s < 1, "sparsity",
                    "a fraction in [0, 1) (0.8 removes 80%; 1 would remove everything)", s)
        self.expect(isinstance(o["structured"], bool), "structured", "true or false", o["structured"])
        epochs = o["finetune_epochs"]
        self.expect(is_int(epochs) and epochs >= 0, "finetune_epochs", "an integer >= 0", epochs)
        heads = o["heads"]
        self.expect(is_number(heads) and 0 <= heads < 1, "heads",
                    "a fraction in [0, 1) of each block's attention heads (structured pruning of a transformer)", heads)
        blocks = transformer_blocks(model)
        if heads and not (o["structured"] and blocks):
            raise ValueError("prune: heads removes attention heads, which needs structured: true and a model "
                             f"with transformer blocks; {type(model).__name__} with structured: "
                             f"{str(o['structured']).lower()} has none to remove")
        if o["structured"] and not blocks:
            layer_chain(model)
        elif not prunable_layers(model):
            raise ValueError(f"prune: {type(model).__name__} has no Linear or Conv2d layer to prune")

    def apply(self, model, options, context):
        o = self.options(options)
        if not prunable_layers(model):
            raise ValueError(
                "prune: no float Linear or Conv2d layer is left to prune; put prune before quantize"
            )
        params_before = model.num_parameters()
        if o["structured"] and transformer_blocks(model):
            context.report.update(prune_transformer(model, o["sparsity"], o["heads"]))
            if o["finetune_epochs"]:
                context.finetune(model, o["finetune_epochs"])
        elif o["structured"]:
            before, after = prune_units(model, o["sparsity"])
            context.report.update(units_before=before, units_after=after, sparsity=1 - after / before)
            if o["finetune_epochs"]:
                context.finetune(model, o["finetune_epochs"])
        else:
            masks = magnitude_masks(model, o["sparsity"])
            apply_masks(masks)
            if o["finetune_epochs"]:
                context.finetune(KeepMasks(model, masks), o["finetune_epochs"])
                apply_masks(masks)  # the last optimizer step came after the last forward
            context.report.update(sparsity=sparsity(model))
        context.report.update(
            parameters_before=params_before, parameters_after=model.num_parameters(),
            finetune_epochs=o["finetune_epochs"],
        )
        return model
