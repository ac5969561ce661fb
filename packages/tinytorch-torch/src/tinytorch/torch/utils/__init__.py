"""``torch.utils``: only ``data`` (datasets and the loader)."""

from . import data  # noqa: F401
