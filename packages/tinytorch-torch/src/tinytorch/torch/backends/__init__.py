"""``torch.backends``: only ``mps.is_available()``, which scripts check before choosing a device."""

from . import mps  # noqa: F401
