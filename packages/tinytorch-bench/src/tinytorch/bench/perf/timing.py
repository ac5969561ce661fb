"""Timing: medians over interleaved rounds, so a noisy machine hurts every contender alike.

A shared machine is never quiet: another process wakes up, a core is taken away. Time
backend A for ten seconds and then backend B, and a burst of load lands on one of them
and the ratio lies. So every round times each contender once, in turn (the one that
starts rotates), and we report the median over rounds: a burst slows everyone in its
round, and the median ignores the odd slow round.

Time is wall-clock time unless ``set_clock("cpu")`` asks for the process's CPU time
(see there: on an overloaded machine it is the steadier measure of single-threaded work).
A call of a few microseconds is timed ``number`` calls at a time, so the clock's own
cost vanishes; ``number`` is chosen from a warm-up call. The first calls are never
timed: they pay for allocations, caches and lazily built state.

A contender too slow to finish one call (the naive backend on a GPT step) is stopped by
a time limit and reported as skipped, with the limit it passed; one that is merely slow
gets fewer rounds and says so. Nothing is estimated in place of a measurement.

Read next: ``machine.py``, what the numbers were measured on.
"""

import gc
import signal
import statistics
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}
clock = CLOCKS["wall"]


def set_clock(name):
    """Time by ``"wall"`` clock (the default) or by the process's ``"cpu"`` time.

    On a machine with more runnable processes than cores, wall time also counts the
    moments the scheduler gave our core to someone else. CPU time counts only the work
    done, which is what we want to compare, provided that work runs on one thread
    (with several, CPU time adds the threads up and hides the parallel speed-up).
    """
    global clock
    if name not in CLOCKS:
        raise ValueError(f"unknown clock {name!r}; expected one of {', '.join(CLOCKS)}")
    clock = CLOCKS[name]


class TooSlow(Exception):
    """A call ran past its time limit."""


@contextmanager
def time_limit(seconds):
    """Raise ``TooSlow`` inside the block after ``seconds`` (no limit when None).

    It uses SIGALRM, which only the main thread receives; elsewhere there is no limit.
    """
    if not seconds or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise TooSlow(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Measurement:
    """Seconds per call, one entry per round; ``note`` says what was unusual."""

    times: list = field(default_factory=list)
    note: str = ""

    @property
    def skipped(self):
        return not self.times

    @property
    def median_ms(self):
        return statistics.median(self.times) * 1000 if self.times else None


def _sample(fn, number, limit=None):
    gc.collect(1)  # young garbage of earlier calls goes now, not inside someone else's sample
    with time_limit(limit):
        start = clock()
        for _ in range(number):
            fn()
        return (clock() - start) / number


def interleaved(cases, repeats, warmup=2, sample_seconds=0.02, case_budget=60.0, limit=None, on_sample=None):
    """Time each zero-argument callable of ``cases`` (``{name: fn}``) over ``repeats`` rounds.

    Returns ``{name: Measurement}`` in the order of ``cases``. ``warmup`` untimed calls
    come first (one, if it takes over a second); the first may run at most ``limit``
    seconds, or the case is skipped.
    A case whose rounds would take longer than ``case_budget`` seconds gets fewer rounds
    (at least one). ``on_sample(done, total)`` is called after every timed sample.
    """
    results, plans = {name: Measurement() for name in cases}, {}
    for name, fn in cases.items():
        try:
            seconds = _sample(fn, 1, limit)
        except TooSlow:
            results[name].note = f"skipped, > {limit:g} s per call (stopped at the time limit, wall time)"
            continue
        for _ in range(warmup - 1 if seconds < 1 else 0):  # a call of seconds needs no more warming
            seconds = _sample(fn, 1)
        number = max(1, int(sample_seconds / max(seconds, 1e-9)))
        rounds = max(1, min(repeats, int(case_budget / (seconds * number))))
        if rounds < repeats:
            results[name].note = f"{rounds} rounds, not {repeats}: one call takes {seconds:.2g} s"
        plans[name] = (fn, number, rounds)

    names, total, done = list(plans), sum(plan[2] for plan in plans.values()), 0
    for r in range(max((plan[2] for plan in plans.values()), default=0)):
        for name in names[r % len(names):] + names[:r % len(names)]:
            fn, number, rounds = plans[name]
            if len(results[name].times) < rounds:
                results[name].times.append(_sample(fn, number))
                done += 1
                if on_sample:
                    on_sample(done, total)
    return results
