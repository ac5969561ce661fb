"""Embedding: a lookup table that turns integer ids (tokens, categories) into vectors.

Row i of ``weight`` is the vector for id i, and the forward pass is plain integer
indexing, ``weight[ids]`` (``functional.embedding``). Its gradient flows back only to the
rows that were looked up; an id used three times gets three gradients added, which is a
scatter-add (the backend's ``index_add`` kernel, reached through ``Tensor.__getitem__``).
It is exactly a `Linear` layer applied to one-hot vectors, without ever building them.

Entries start N(0, 1), as in PyTorch; ``std=`` scales that (GPT-2 uses 0.02).

Read next: ``tinytorch.text.embedding``, which adds position embeddings for transformers.
"""

import numpy as np

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Embedding(Module):
    """A table of ``num_embeddings`` vectors of size ``embedding_dim``; ``forward(ids)``
    maps an int array (or int Tensor) of any shape to that shape + (embedding_dim,)."""

    def __init__(self, num_embeddings, embedding_dim, std=1.0):
        super().__init__()
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = init.normal_(Parameter(np.empty((num_embeddings, embedding_dim), np.float32)), std=std)

    def forward(self, ids):
        return F.embedding(ids, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"
