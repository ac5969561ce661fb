"""``torch.nn.functional``: ``tinytorch.nn.functional``, which already has PyTorch's signatures.

Read next: ``tinytorch.nn.functional`` itself.
"""

from tinytorch.nn.functional import *  # noqa: F403
from tinytorch.nn.functional import __all__  # noqa: F401
