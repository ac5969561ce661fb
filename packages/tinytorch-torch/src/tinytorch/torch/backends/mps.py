"""``torch.backends.mps``: Apple's GPU backend is never available here (TinyTorch is CPU only)."""


def is_available():
    return False


def is_built():
    return False
