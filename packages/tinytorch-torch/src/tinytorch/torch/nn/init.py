"""``torch.nn.init``: ``tinytorch.nn.init``'s in-place initialisers, drawn from ``manual_seed``'s generator.

Read next: ``tinytorch.nn.init``, where each scheme's reasoning is written out.
"""

from tinytorch.nn.init import (  # noqa: F401  (re-exported)
    calculate_gain,
    constant_,
    kaiming_normal_,
    kaiming_uniform_,
    normal_,
    ones_,
    trunc_normal_,
    uniform_,
    xavier_normal_,
    xavier_uniform_,
    zeros_,
)
