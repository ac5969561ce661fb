"""Shared fixtures: core's ``gradcheck`` (layers against finite differences) and an rng."""

import numpy as np
import pytest

from tinytorch.core.testing import gradcheck


@pytest.fixture(name="gradcheck")
def gradcheck_fixture():
    return gradcheck


@pytest.fixture
def rng():
    return np.random.default_rng(0)
