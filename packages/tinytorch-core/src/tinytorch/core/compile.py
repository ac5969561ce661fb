"""Compiled execution: record the kernels a forward calls, then replay only those.

At batch 1 a forward pass is mostly Python: ``Module.__call__``, shape checks, a
``Tensor`` per result, autograd's bookkeeping. The arithmetic is a few dozen backend
kernel calls. ``compile(model)`` keeps the kernel calls and drops the rest:

1. **Record.** The call runs eagerly under ``no_grad()``, with the active backend
   replaced by a ``_Recorder`` that passes every kernel call through and writes it
   down. A kernel's fresh result is copied into a buffer the recording owns, and the
   forward carries on with that buffer, so every view it makes (a reshape, a transpose,
   a slice) is a view of memory that outlives the call.
2. **Check.** The next call with the same input shapes is recorded too, into the same
   buffers, and the two are compared argument by argument. An argument must be one of:
   a recorded buffer or a view of one; state that existed before the call (a
   parameter, a KV cache), read in place at replay, so in-place updates are seen; a
   view that moved between the calls in step with ``length`` (a KV cache's filled
   part: a *symbolic length*, rebuilt at each replay); an equal Python value or scalar.
   Anything else was computed outside the kernels (NumPy glue), which replay could not
   redo. Finally the program is replayed once and must equal the eager result exactly.
3. **Replay.** Later calls copy the inputs into the input buffers and call each
   recorded kernel of that same backend on its recorded arguments, writing into its
   buffer (``out=`` for NumPy ufuncs, else a copy).

A recording is keyed by the backend and the inputs' shapes and dtypes; a new key
records again (up to ``MAX_PROGRAMS`` are kept). For a module, replacing a parameter
or buffer array (``load_state_dict`` of another dtype, a pass swapping weights) drops
every recording; changing one in place does not need to. ``train()`` mode, an input
that requires grad, or a forward that cannot be replayed (NumPy glue, dropout in
training) raise ``CompileError``; with ``fallback=True`` (the default) the call runs
eagerly instead and ``reason`` says why. State reached by a closure and not through
the module (a KV cache object) is not guarded: compile again when you replace it.

Read next: ``tinytorch.text.generation`` (decoding through a compiled step), and
``tinytorch.bench.perf.trace`` (``tt trace``: the recorded program, printed).
"""

import copy
import warnings

import numpy as np

from . import autograd
from . import backend as _backend
from .tensor import Tensor

MAX_PROGRAMS = 16
KERNELS = frozenset(_backend.PRIMITIVES + _backend.COMPOSITES + _backend.MOVES)


class CompileError(RuntimeError):
    """A forward that compiled execution cannot record or replay faithfully."""


def compile(target, state=None, fallback=True):
    """A callable that runs ``target`` (a Module or a function) by replaying its kernels.

    ``state``: a Module whose parameters a function reads (guarded as a module's are).
    Call it like ``target``, with tensors or arrays as positional inputs, and
    ``length=L`` when views inside depend on a cache length (see ``generation.py``).
    """
    return Compiled(target, state if state is not None else _module_or_none(target), fallback)


def _module_or_none(target):
    return target if callable(getattr(target, "parameters", None)) else None


def _root(a):
    """The array that owns ``a``'s memory (``a`` itself unless it is a view)."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


class Step:
    """One kernel call: ``kernel(*args, **kwargs)`` written into ``out`` (None: no result)."""

    __slots__ = ("kernel", "args", "kwargs", "out", "symbolic")

    def __init__(self, kernel, args, kwargs, out):
        self.kernel, self.args, self.kwargs, self.out, self.symbolic = kernel, args, kwargs, out, ()


class _Recorder:
    """Stands in for the backend during a recorded call: every kernel passes through it."""

    def __init__(self, backend, buffers):
        self.backend, self.buffers, self.steps, self.kept = backend, buffers, [], 0

    def __getattr__(self, name):
        found = getattr(self.backend, name)
        if name not in KERNELS:
            return found

        def kernel(*args, **kwargs):
            result = found(*args, **kwargs)
            out = result[0] if name in _backend.COMPOSITES else result
            if _is_view_of(out, args):
                return result  # a reshape or a slice follows its base: nothing to replay
            buffer = self._keep(out)
            self.steps.append(Step(name, args, kwargs, buffer))
            if buffer is None:
                return result
            return (buffer, result[1]) if name in _backend.COMPOSITES else buffer

        return kernel

    def _keep(self, out):
        """The buffer a fresh result is copied into (None when the kernel returns nothing)."""
        if not isinstance(out, (np.ndarray, np.generic)):
            return None
        i, self.kept = self.kept, self.kept + 1
        if i < len(self.buffers) and self.buffers[i].shape == np.shape(out) and self.buffers[i].dtype == out.dtype:
            buffer = self.buffers[i]  # the second recording reuses the first one's buffers
        else:
            buffer = np.empty(np.shape(out), dtype=out.dtype)
            self.buffers[i:i + 1] = [buffer]
        np.copyto(buffer, out)
        return buffer


def _is_view_of(out, args):
    return isinstance(out, np.ndarray) and out.base is not None and any(
        _root(out) is _root(a) for a in flat_args(args) if isinstance(a, np.ndarray))


def flat_args(args):
    """Every leaf of nested tuples/lists of kernel arguments, in order."""
    for a in args:
        if isinstance(a, (tuple, list)):
            yield from flat_args(a)
        else:
            yield a


class Program:
    """A checked recording: its steps, input buffers, outputs, and the length it saw.

    A result that later steps read only as itself (never through a view) is not copied
    into its buffer at replay: it is handed straight to the argument lists that read it,
    which saves a pass over it per step. Results that are viewed (a head split, a cache
    write) go into their buffers, where the recorded views look.
    """

    def __init__(self, backend, steps, inputs, outputs, length):
        self.backend, self.steps, self.inputs, self.length = backend, steps, inputs, length
        self.outputs = list(outputs)
        arg_lists = [list(s.args) for s in steps]
        handed = _handed_over(steps, arg_lists, self.outputs)
        fresh = {i for found in handed.values() for readers, i in found if readers is self.outputs}
        self._fresh = [i in fresh for i in range(len(self.outputs))]  # the rest are buffers: copied out
        # Bound once: looking a kernel up by name each replay would cost as much as a small kernel.
        self._calls = []
        for s, args in zip(steps, arg_lists):
            kernel = getattr(backend, s.kernel)
            into = isinstance(kernel, np.ufunc) and not s.kwargs and s.out is not None
            targets = None if into or s.out is None else handed.get(id(s.out))
            self._calls.append((kernel, args, s.kwargs, s.out, s.symbolic, into,
                                s.kernel in _backend.COMPOSITES, targets))

    def run(self, arrays, length=None):
        """Replay on new ``arrays`` (same shapes and dtypes); returns fresh output arrays."""
        for buffer, a in zip(self.inputs, arrays):
            np.copyto(buffer, a)
        shift = 0 if length is None or self.length is None else length - self.length
        for kernel, args, kwargs, out, symbolic, into, composite, targets in self._calls:
            if symbolic:
                args = list(args)
                for i, view in symbolic:
                    args[i] = view(shift)
            if into:
                kernel(*args, out=out)
                continue
            result = kernel(*args, **kwargs)
            if composite:
                result = result[0]
            if targets is not None:
                for readers, i in targets:
                    readers[i] = result
            elif out is not None:
                np.copyto(out, result)
        return [o if fresh else np.array(o) for o, fresh in zip(self.outputs, self._fresh)]


def _handed_over(steps, arg_lists, outputs):
    """``{id(buffer): [(list, index), ...]}`` for buffers only ever read as themselves."""
    buffers = {id(s.out): s.out for s in steps if s.out is not None}
    readers, viewed = {}, set()
    for args in arg_lists + [outputs]:
        for i, a in enumerate(args):
            if isinstance(a, np.ndarray) and id(a) in buffers:
                readers.setdefault(id(a), []).append((args, i))
    for s in steps:
        for a in flat_args([s.args, list(s.kwargs.values())]):
            if isinstance(a, np.ndarray) and id(_root(a)) in buffers and (a is not _root(a) or not _top(a, s)):
                viewed.add(id(_root(a)))
            if isinstance(a, _SymbolicView):
                viewed.add(id(a.root))
    for a in flat_args(outputs):
        if isinstance(a, np.ndarray) and a is not _root(a):
            viewed.add(id(_root(a)))
    return {key: found for key, found in readers.items() if key not in viewed}


def _top(a, step):
    """Whether ``a`` is one of ``step``'s own arguments (not inside a tuple of them)."""
    return any(a is b for b in step.args)


# ------------------------------------------------------------------ checking two recordings
def _build(backend, first, second, inputs):
    """The program both recordings agree on, or CompileError saying where they do not."""
    (steps1, out1, len1), (steps2, out2, len2) = first, second
    kernels1, kernels2 = [s.kernel for s in steps1], [s.kernel for s in steps2]
    if kernels1 != kernels2:
        raise CompileError(f"two calls with the same input shapes ran different kernels "
                           f"({len(kernels1)} vs {len(kernels2)} calls): the forward branches on values")
    moved = None if len1 is None or len2 is None or len1 == len2 else len2 - len1
    for n, (a, b) in enumerate(zip(steps1, steps2)):
        where = f"kernel {n} ({a.kernel})"
        a.args = tuple(_same(x, y, moved, f"{where}, argument {i}") for i, (x, y) in enumerate(zip(a.args, b.args)))
        a.symbolic = tuple((i, x) for i, x in enumerate(a.args) if isinstance(x, _SymbolicView))
        a.kwargs = {k: _same(v, b.kwargs.get(k), None, f"{where}, argument {k}=") for k, v in a.kwargs.items()}
    outputs = [_same(x, y, None, f"output {i}") for i, (x, y) in enumerate(zip(out1, out2))]
    return Program(backend, steps1, inputs, outputs, len1)


class _SymbolicView:
    """A view whose start and shape move with the cache length: rebuilt at every replay."""

    def __init__(self, root, offset, step, shape, grow, strides, dtype):
        self.root, self.offset, self.step = root, offset, step
        self.shape, self.grow, self.strides, self.dtype = shape, grow, strides, dtype

    def __call__(self, shift):
        shape = tuple(s + g * shift for s, g in zip(self.shape, self.grow))
        return np.ndarray(shape, self.dtype, buffer=self.root, offset=self.offset + self.step * shift,
                          strides=self.strides)


def _offset(a, root):
    return a.__array_interface__["data"][0] - root.__array_interface__["data"][0]


def _same(x, y, moved, where):
    """``x`` from the first recording if the second agrees it can be replayed, else CompileError."""
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        root = _root(x)
        if root is _root(y):
            if x.shape == y.shape and x.strides == y.strides and _offset(x, root) == _offset(y, root):
                return x  # a buffer, state, or a fixed view of either
            return _symbolic(x, y, root, moved, where)
        if x.size <= 1 and x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True):
            return x  # a scalar constant made on the way (``x * 0.5``)
        raise CompileError(
            f"{where}: an array of shape {x.shape} computed outside the backend's kernels "
            f"(NumPy code in the forward); replay would not recompute it. Use Tensor ops or "
            f"backend kernels there, or run this model eagerly")
    if isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)) and len(x) == len(y):
        found = [_same(a, b, None, where) for a, b in zip(x, y)]
        return type(x)(found)
    if type(x) is type(y) and not isinstance(x, np.ndarray) and _equal(x, y):
        return x
    raise CompileError(f"{where}: {x!r} in one call, {y!r} in the next; compiled execution "
                       f"needs the same non-tensor arguments on every call")


def _equal(x, y):
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return x is y


def _symbolic(x, y, root, moved, where):
    grow = [b - a for a, b in zip(x.shape, y.shape)]
    step = _offset(y, root) - _offset(x, root)
    if moved is None or x.strides != y.strides or step % moved or any(g % moved for g in grow):
        raise CompileError(f"{where}: a view that moved between two calls of the same shape "
                           f"(shape {x.shape} -> {y.shape}); pass length= if it follows a cache length")
    return _SymbolicView(root, _offset(x, root), step // moved, x.shape, [g // moved for g in grow],
                         x.strides, x.dtype)


# ------------------------------------------------------------------ the compiled callable
class Compiled:
    """``compile(target)``: call it as you would ``target``; see the module docstring."""

    def __init__(self, target, module, fallback):
        self.target, self.module, self.fallback = target, module, fallback
        self.programs, self.reason = {}, None
        self._pending, self._eager, self._state = {}, set(), None

    def __deepcopy__(self, memo):
        # Recordings point into the original's arrays: a copy starts without any.
        return Compiled(copy.deepcopy(self.target, memo), copy.deepcopy(self.module, memo), self.fallback)

    def __call__(self, *inputs, length=None):
        if isinstance(_backend.active, _Recorder):
            return self._run_eager(inputs)  # inside another recording: be part of it
        arrays = [x.data if isinstance(x, Tensor) else np.asarray(x) for x in inputs]
        key = self._key(inputs, arrays)
        program = self.programs.get(key)
        if program is not None:
            return _wrap(program.run(arrays, length), self._shape)
        if key in self._eager:
            return self._run_eager(inputs)
        return self._record(key, inputs, arrays, length)

    def _key(self, inputs, arrays):
        for x in inputs:
            if isinstance(x, Tensor) and x.requires_grad:
                raise CompileError("compiled execution records no graph, but an input requires grad; "
                                   "pass x.detach(), or call the model eagerly to train it")
        if self.module is not None:
            if self.module.training:
                raise CompileError(f"compile runs inference, but the {type(self.module).__name__} is in "
                                   f"training mode (dropout, batch statistics); call .eval() first")
            state = [p.data for p in self._state_tensors()]
            if self._state is not None and list(map(id, state)) != list(map(id, self._state)):
                self.programs.clear()
                self._pending.clear()  # a parameter array was replaced: every recording read the old one
            self._state = state
        backend = _backend.get_backend().name
        return (backend,) + tuple((a.shape, a.dtype.str) for a in arrays)

    def _state_tensors(self):
        if not hasattr(self, "_tensors"):
            self._tensors = list(self.module.parameters()) + list(self.module.buffers())
        return self._tensors

    def _run_eager(self, inputs):
        with autograd.no_grad():
            return self.target(*inputs)

    def _record(self, key, inputs, arrays, length):
        first = self._pending.pop(key, None)
        buffers, inputs_owned = (first[3], first[4]) if first else ([], [np.empty_like(a) for a in arrays])
        for buffer, a in zip(inputs_owned, arrays):
            np.copyto(buffer, a)
        backend = _backend.get_backend()
        recorder = _Recorder(backend, buffers)
        fed = [Tensor(b) if isinstance(x, Tensor) else b for x, b in zip(inputs, inputs_owned)]
        previous = _backend.active
        _backend._activate(recorder)
        try:
            with autograd.no_grad():
                result = self.target(*fed)
        finally:
            _backend._activate(previous)
        outputs, self._shape = _unwrap(result)
        eager = [np.array(o) for o in outputs]  # the buffers are overwritten by the next call
        recording = (recorder.steps, outputs, length, buffers, inputs_owned)
        if first is None:
            if len(self._pending) >= MAX_PROGRAMS:  # shapes seen once (a growing window) are forgotten
                del self._pending[next(iter(self._pending))]
            self._pending[key] = recording
        else:
            self._finish(key, backend, first, recording, arrays, length, eager)
        return _wrap(eager, self._shape)

    def _finish(self, key, backend, first, second, arrays, length, eager):
        try:
            program = _build(backend, first[:3], second[:3], second[4])
            replayed = program.run(arrays, length)
            if not all(np.array_equal(a, b, equal_nan=True) for a, b in zip(replayed, eager)):
                raise CompileError("replaying the recorded kernels did not reproduce the eager result: "
                                   "the forward writes arrays outside the backend's kernels (in-place ops?)")
        except CompileError as error:
            if not self.fallback:
                raise
            self.reason = str(error)
            self._eager.add(key)
            warnings.warn(f"compile: running {_name(self.target)} eagerly: {error}", stacklevel=3)
            return
        if len(self.programs) >= MAX_PROGRAMS:
            del self.programs[next(iter(self.programs))]
        self.programs[key] = program


def _name(target):
    return getattr(target, "__name__", type(target).__name__)


def _unwrap(result):
    """The output arrays, and how to put them back: one Tensor, or a tuple of them."""
    if isinstance(result, (tuple, list)):
        return [r.data if isinstance(r, Tensor) else r for r in result], len(result)
    return [result.data if isinstance(result, Tensor) else result], None


def _wrap(arrays, shape):
    """Tensors of ``arrays``, which must be fresh: the buffers are overwritten by the next call."""
    tensors = [Tensor(a) for a in arrays]
    return tensors[0] if shape is None else tuple(tensors)
