"""``torch.accelerator`` (PyTorch 2.6+): the device-generic way scripts ask for a GPU. There is none here.

Read next: ``cuda.py``.
"""


def is_available():
    return False


def current_accelerator():
    """None, as PyTorch returns when no accelerator is present."""
    return None


def device_count():
    return 0
