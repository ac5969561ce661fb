"""Shared fixtures: small float64 GPTs, and core's gradient check against finite differences."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core.testing import gradcheck
from tinytorch.text import GPT


@pytest.fixture
def tiny_gpt():
    """``tiny_gpt(dtype, **sizes)``: a seeded GPT over 11 tokens with a window of 12."""

    def make(dtype=np.float64, seed=0, **sizes):
        nn.manual_seed(seed)
        options = dict(vocab_size=11, d_model=16, n_layers=2, n_heads=4, max_seq_len=12)
        return GPT(**{**options, **sizes}).to(dtype)

    return make


@pytest.fixture(name="gradcheck")
def gradcheck_fixture():
    return gradcheck
