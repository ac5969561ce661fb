"""Engines: run many independent jobs at once, here in a process pool or on a Ray cluster.

A sweep trains one model per combination of settings, and grading re-measures every
stored submission: many jobs that share nothing. ``run_all`` runs them and hands each
back as it finishes, whichever engine runs them:

    for done in run_all(train_one, trials, engine="ray", workers=2):
        done.job, done.result, done.error   # error: None, or one line saying what went wrong

``Session`` keeps one engine up across several such calls (a sweep's two waves):

    with Session("local", workers=2) as session:
        for done in session.run_all(train_one, trials): ...

``fn(job, report)`` is called once per job in a worker process; ``report(message)``
sends a small picklable message back to the caller while the job runs (a trial's
epoch), which ``run_all`` passes to ``on_report(job, message)``; a message still on its
way when its job finishes is dropped (the result says more). ``fn`` and the jobs must
be picklable (``fn`` a module-level function).

- **local** (the default): a ``concurrent.futures.ProcessPoolExecutor`` of ``workers``
  processes (default: one per CPU). Workers are *spawned*, not forked, so each starts a
  fresh interpreter that reads ``OPENBLAS_NUM_THREADS=1`` before NumPy loads: one BLAS
  thread per worker, or two workers on two cores would fight over four threads.
- **ray**: ``ray.init(address=address)`` joins a cluster; without an address a local Ray
  is started with ``num_cpus=workers``. Each job is a ``ray.remote`` task of one CPU and
  no retries, collected with ``ray.wait``; the one-thread variables go in the Ray job's
  ``runtime_env`` (and Ray itself sets ``OMP_NUM_THREADS=1`` for a one-CPU task, which
  OpenBLAS also obeys). Ray is an extra: without it, one line says ``pip install
  tinytorch-bench[ray]``.

Either way at most twice as many jobs as workers are in flight (``Window``); the rest
are read from ``jobs``, which may be a generator, as workers come free. A job that
raises is reported as its ``error`` and the others go on. The caller's ``TINYTORCH_*``
variables (data, cache, backend) are set in the worker for each job, so a Ray worker
started earlier sees the same files as the caller. Ctrl-C (or a
caller that stops iterating) cancels the jobs not yet finished and stops the workers;
whatever the caller already stored from finished jobs stays stored.

Read next: ``sweep.py`` and ``grade.py``, the two users.
"""

import itertools
import multiprocessing
import os
import queue as queues
import signal
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass

import click

ENGINES = ("local", "ray")
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}
POLL_SECONDS = 0.2  # how often progress messages are passed on while jobs run


@dataclass
class Done:
    """One finished job: its ``result``, or ``error`` (one line) if it raised."""

    job: object
    result: object = None
    error: str = None
    seconds: float = 0.0


def run_all(fn, jobs, *, engine="local", workers=None, address=None, on_report=None):
    """Run ``fn(job, report)`` for every job; yield a ``Done`` per job as each finishes."""
    with Session(engine, workers, address) as session:
        yield from session.run_all(fn, jobs, on_report)


class Session:
    """An engine kept up for several ``run_all`` calls: one pool of workers, or one Ray, not one per call.

    A sweep runs its trials in two waves and grading runs two kinds of jobs; starting a
    local Ray (seconds) or spawning workers (each imports NumPy and the runner) once
    saves that time for every call after the first.
    """

    def __init__(self, engine="local", workers=None, address=None):
        if engine not in ENGINES:
            raise click.BadParameter(f"expected one of {', '.join(ENGINES)}, found {engine!r}",
                                     param_hint="--engine")
        if address is not None and engine != "ray":
            raise click.UsageError("--address names a Ray cluster; use it with --engine ray")
        self.engine, self.workers, self.address = engine, workers or os.cpu_count() or 1, address
        self.ray = import_ray() if engine == "ray" else None
        self.pool = self.started_ray = None

    def __enter__(self):
        if self.ray is not None and not self.ray.is_initialized():
            _start_ray(self.ray, self.workers, self.address)
            self.started_ray = True
        return self

    def __exit__(self, *exc):
        self.stop_pool()
        if self.started_ray:
            self.ray.shutdown()

    def run_all(self, fn, jobs, on_report=None):
        """Run ``fn(job, report)`` for every job; yield a ``Done`` per job as each finishes.

        ``jobs`` may be a generator: it is read as workers come free, so a job that carries
        data (a submission's files) is built only shortly before it runs.
        """
        if self.ray is not None:
            return _run_ray(self.ray, fn, jobs, on_report)
        return self._run_local(fn, jobs, on_report or (lambda job, message: None))

    def _run_local(self, fn, jobs, on_report):
        if self.pool is None:
            self._start_pool()
        env, batch = _environment(), uuid.uuid4().hex
        window = Window(jobs, 2 * self.workers, lambda i, job: self.pool.submit(_call_local, fn, job, batch, i, env))
        try:
            while window.running:
                finished, _ = wait(window.running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                _drain(self.messages, batch, window.jobs(), on_report)
                broken = False
                for future in finished:
                    _, job = window.running.pop(future)
                    try:
                        yield Done(job, *future.result())
                    except Exception as error:  # a worker died (killed, out of memory): the pool is broken
                        broken = True
                        yield Done(job, error=f"a worker process died (killed, or out of memory), and the "
                                              f"jobs running beside it with it: {describe(error)}")
                if broken:  # the jobs still in the dead pool come back failed; the rest go to a new one
                    self.stop_pool()
                    self._start_pool()
                window.fill()
        finally:
            if window.running:  # Ctrl-C, or the caller stopped iterating: stop the jobs still running
                self.stop_pool()

    def _start_pool(self):
        context = multiprocessing.get_context("spawn")
        self.messages = context.Queue()
        saved = {k: os.environ.get(k) for k in ONE_THREAD}
        os.environ.update(ONE_THREAD)  # a spawned worker reads these before it imports NumPy
        try:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                            initargs=(self.messages,))
            for _ in range(self.workers):  # spawn them all now, while the variables are set
                self.pool.submit(int)
        finally:
            for key, value in saved.items():
                os.environ.pop(key) if value is None else os.environ.__setitem__(key, value)

    def stop_pool(self):
        if self.pool is not None:
            _stop(self.pool)
            self.messages.close()
            self.pool = None


class Window:
    """The jobs in flight, at most ``size`` at once, so memory and the engine's queue stay
    bounded however many jobs there are: ``running`` maps each job's handle (a future, a Ray
    reference) to ``(index, job)``; ``fill`` submits more as jobs finish."""

    def __init__(self, jobs, size, submit):
        self.todo, self.size, self.submit, self.running = enumerate(jobs), size, submit, {}
        self.fill()

    def fill(self):
        for index, job in itertools.islice(self.todo, max(0, self.size - len(self.running))):
            self.running[self.submit(index, job)] = (index, job)

    def jobs(self):
        """``{index: job}`` of the jobs in flight."""
        return dict(self.running.values())


def describe(error):
    """One line for an exception raised in a job: its message (a bad config: every problem)."""
    if isinstance(error, KeyboardInterrupt):
        return "interrupted"
    problems = getattr(error, "problems", None)
    text = "; ".join(map(str, problems)) if problems else str(error)
    return " ".join(text.split()) or type(error).__name__


def _environment():
    """The caller's variables a job depends on: where the data and the cache are, the backend."""
    return {k: v for k, v in os.environ.items() if k.startswith("TINYTORCH_")} | ONE_THREAD


def _call(fn, job, batch, index, env, messages):
    """Run one job in a worker: ``(result, error, seconds)``, never an exception."""
    os.environ.update(env)
    start = time.perf_counter()

    def report(message):
        if messages is not None:  # None: nobody listens
            messages.put((batch, index, message))

    try:
        result = fn(job, report)
    except (Exception, KeyboardInterrupt) as error:  # reported with the job, not raised: the others go on
        return None, describe(error), time.perf_counter() - start
    return result, None, time.perf_counter() - start


# -- local: a pool of spawned processes -----------------------------------------------------


_messages = None  # the worker's end of the progress queue, set when the worker starts


def _start_worker(messages):
    global _messages
    _messages = messages
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the caller's to handle: it stops us


def _call_local(fn, job, batch, index, env):
    return _call(fn, job, batch, index, env, _messages)


def _stop(pool):
    """End the pool's processes now; a job cut short left no metrics.json, so it runs again next time."""
    if hasattr(pool, "terminate_workers"):  # Python 3.14
        pool.terminate_workers()
        return
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(5)


def _drain(messages, batch, running, on_report):
    """Pass on the messages that came in; those of an earlier batch or a finished job are late: dropped."""
    while True:
        try:
            sent_by, index, message = messages.get_nowait()
        except (queues.Empty, OSError, ValueError):
            return
        if sent_by == batch and index in running:
            on_report(running[index], message)


# -- ray ------------------------------------------------------------------------------------


def import_ray():
    """The ``ray`` module, or one line saying how to install it."""
    try:
        import ray
    except ImportError:
        raise click.UsageError("--engine ray needs Ray: pip install tinytorch-bench[ray]") from None
    return ray


def _run_ray(ray, fn, jobs, on_report):
    from ray.util.queue import Queue

    # The messages travel through a queue actor (a process of its own): only when someone listens.
    messages = Queue(actor_options={"num_cpus": 0}) if on_report else None
    task = ray.remote(num_cpus=1, max_retries=0)(_call)
    env, batch = _environment(), uuid.uuid4().hex
    size = 2 * max(1, int(ray.cluster_resources().get("CPU", 1)))
    window = Window(jobs, size, lambda i, job: task.remote(fn, job, batch, i, env, messages))
    try:
        while window.running:
            finished, _ = ray.wait(list(window.running), num_returns=1, timeout=POLL_SECONDS)
            if messages is not None:
                _drain(messages, batch, window.jobs(), on_report)
            for ref in finished:
                _, job = window.running.pop(ref)
                try:
                    yield Done(job, *ray.get(ref))
                except ray.exceptions.RayError as error:  # the worker died, or the task was lost
                    yield Done(job, error=f"Ray lost the job: {describe(error)}")
            window.fill()
    finally:
        for ref in window.running:
            ray.cancel(ref, force=True)
        if messages is not None:
            ray.kill(messages.actor)


def _start_ray(ray, workers, address):
    """Join the cluster at ``address``, or start a local Ray of ``workers`` CPUs."""
    import logging

    options = {"address": address} if address else {"num_cpus": workers, "include_dashboard": False}
    try:
        ray.init(**options, log_to_driver=False, logging_level=logging.ERROR,
                 runtime_env={"env_vars": ONE_THREAD})
    except (ConnectionError, RuntimeError, ValueError) as error:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        raise click.UsageError(f"--address: cannot start or join {where}: {describe(error)}") from None
