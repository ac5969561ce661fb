"""The TorchPerf Olympics: the events a run competes in, how they are measured and ranked.

- ``events.py``: each event's metric, constraint and score (``Event``, ``EVENTS``).
- ``profiler.py``: what is measured (accuracy, latency, memory, FLOPs) and how.
- ``leaderboard.py``: ranking finished runs (``tt leaderboard``).
- ``plugin.py``: registers the built-in events through the ``tinytorch`` entry point.

Read next: ``events.py``.
"""
