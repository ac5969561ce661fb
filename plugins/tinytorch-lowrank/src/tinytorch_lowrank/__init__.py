"""tinytorch-lowrank: the ``lowrank`` optimization pass, a TinyTorch plugin.

Start with ``lowrank.py`` (the idea, the maths and the pass), then ``plugin.py`` (how
TinyTorch finds it).
"""

from .lowrank import LowRank, LowRankLinear, factorize, rank_for_energy, saves_parameters, singular_values

__all__ = ["LowRank", "LowRankLinear", "factorize", "rank_for_energy", "saves_parameters", "singular_values"]
