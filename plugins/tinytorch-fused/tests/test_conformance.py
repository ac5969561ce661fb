"""The fused backend against TinyTorch's conformance suite."""

import pytest

from tinytorch.core.testing import check_case, check_signatures, conformance_cases


@pytest.mark.parametrize("case", conformance_cases(), ids=str)
def test_conformance(case):
    check_case("fused", case)


def test_kernel_signatures_match_the_contract():
    check_signatures("fused")
