"""The conformance suite on the built-in backend (other backends run it in their own tests)."""

import pytest

from tinytorch.core.testing import check_case, check_signatures, conformance_cases


@pytest.mark.parametrize("case", conformance_cases(), ids=str)
def test_vectorized_conformance(case):
    check_case("vectorized", case)


def test_vectorized_signatures():
    check_signatures("vectorized")
