"""``torch.cuda`` on a machine that has none: scripts ask, and fall back to the CPU.

``is_available()`` is False, so ``device = "cuda" if torch.cuda.is_available() else "cpu"``
picks the CPU; seeding CUDA is a no-op, since no CUDA generator exists to seed.

Read next: ``backends/mps.py``, the same answer for Apple GPUs.
"""


def is_available():
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Nothing to seed: there is no CUDA generator (``torch.manual_seed`` seeds TinyTorch's)."""


manual_seed_all = manual_seed
