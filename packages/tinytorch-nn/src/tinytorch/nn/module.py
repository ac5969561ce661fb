"""Module: the building block every layer and model is made of.

A module holds three kinds of state, each in its own ordered dict, filled by plain
attribute assignment (``__setattr__`` sorts values by type, as PyTorch does):

* parameters: ``Parameter`` tensors the optimizer trains,
* buffers: other tensors the model needs and saves, such as BatchNorm's running
  statistics or a quantized layer's int8 weights (``register_buffer``),
* children: sub-modules, which makes a model a tree.

Everything else (``parameters()``, ``state_dict()``, ``train()``, ``repr``) walks that tree.
A state dict maps dotted names (``"encoder.0.weight"``) to NumPy arrays, which is what
``serialization.py`` writes to disk.

Read next: ``linear.py`` (the simplest layer), then ``containers.py``.
"""

from collections import namedtuple

import numpy as np

from tinytorch.core import Tensor, tensor
from tinytorch.core.device import as_dtype, dtype_for_to
from tinytorch.core.names import did_you_mean

from .parameter import Parameter

LoadResult = namedtuple("LoadResult", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: subclass it, assign layers in ``__init__``, write ``forward``."""

    def __init__(self):
        # object.__setattr__ because our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        self.training = True

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward(); add one to the class")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # ----------------------------------------------------------------- registration
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() has run; call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, (Parameter, Module)):
            store = params if isinstance(value, Parameter) else modules
            if name not in store:  # a replacement keeps its place in the order
                self._forget(name)
            store[name] = value
        elif name in params or name in modules:
            if value is not None:
                kind = "Parameter" if name in params else "Module"
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to {name!r}, which holds a {kind}; "
                    f"assign a {kind} or None" + (", or change the values through .data" if name in params else "")
                )
            (params if name in params else modules)[name] = None
        elif name in buffers:
            buffers[name] = None if value is None else _as_tensor(value)
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: parameters, buffers and children live in the dicts.
        for store in ("_parameters", "_buffers", "_modules"):
            found = self.__dict__.get(store, {})
            if name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        plain = name in self.__dict__
        if not self._forget(name) and not plain:
            object.__delattr__(self, name)  # raises the usual AttributeError

    def _forget(self, name):
        """Drop ``name`` from every store; True if it was a parameter, buffer or child."""
        stores = (self._parameters, self._buffers, self._modules)
        found = any(name in store for store in stores)
        for store in stores:
            store.pop(name, None)
        self.__dict__.pop(name, None)
        return found

    def register_buffer(self, name, value, persistent=True):
        """Keep ``value`` (array or Tensor) as non-trainable state; ``state_dict`` saves it
        unless ``persistent=False`` (a causal mask, say, that the constructor rebuilds)."""
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"buffer name must be a non-empty string without '.', found {name!r}")
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"{type(self).__name__} already has an attribute {name!r}; pick another buffer name")
        self._buffers[name] = None if value is None else _as_tensor(value)
        if not persistent:
            self.__dict__.setdefault("_non_persistent", set()).add(name)

    # ----------------------------------------------------------------- walking the tree
    def _walk(self, prefix=""):
        """Every (dotted prefix, module) in depth-first order, shared modules once per path."""
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child._walk(f"{prefix}.{name}" if prefix else name)

    def _named(self, kind, deduplicate):
        seen = set()
        for prefix, module in self._walk():
            for name, value in getattr(module, kind).items():
                if value is None or (deduplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield (f"{prefix}.{name}" if prefix else name), value

    def named_modules(self):
        seen = set()
        for prefix, module in self._walk():
            if id(module) not in seen:
                seen.add(id(module))
                yield prefix, module

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_children(self):
        return ((name, child) for name, child in self._modules.items() if child is not None)

    def children(self):
        return (child for _, child in self.named_children())

    def named_parameters(self):
        """(dotted name, Parameter) pairs; a parameter shared by two layers appears once."""
        return self._named("_parameters", deduplicate=True)

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        return self._named("_buffers", deduplicate=True)

    def buffers(self):
        return (b for _, b in self.named_buffers())

    def num_parameters(self):
        """How many numbers the parameters hold (shared ones counted once)."""
        return sum(p.numel() for p in self.parameters())

    # ----------------------------------------------------------------- modes and grads
    def train(self, mode=True):
        for module in self.modules():
            module.training = mode
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients (``None``), or with ``set_to_none=False`` fill them with zeros."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad.data = np.zeros_like(p.grad.data)

    def apply(self, fn):
        """Call ``fn`` on every child module (recursively), then on this one; e.g. to initialise weights."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def to(self, *args, dtype=None, device=None):
        """Cast every floating-point parameter and buffer (and gradient) to ``dtype``.

        As ``torch.nn.Module.to`` it takes a dtype or a device (or both): the only device
        is the CPU, so ``to("cpu")`` changes nothing and any other device raises.
        """
        dtype = dtype_for_to(args, dtype, device)
        if dtype is None:
            return self
        dtype = as_dtype(dtype)
        for t in [*self.parameters(), *self.buffers()]:
            if t.dtype.kind == "f":
                t.data = t.data.astype(dtype)
                if t.grad is not None:
                    t.grad.data = t.grad.data.astype(dtype)
        return self

    cpu = lambda self: self  # the CPU is the only device
    float = lambda self: self.to(np.float32)
    double = lambda self: self.to(np.float64)

    # ----------------------------------------------------------------- state dict
    def _state_tensors(self):
        """Every parameter then buffer, module by module; tied tensors under each of their names."""
        for prefix, module in self._walk():
            for kind in ("_parameters", "_buffers"):
                skip = module.__dict__.get("_non_persistent", ()) if kind == "_buffers" else ()
                for name, value in getattr(module, kind).items():
                    if value is not None and name not in skip:
                        yield (f"{prefix}.{name}" if prefix else name), value

    def state_dict(self):
        """Dotted name -> a copy of the array, parameters before buffers, in registration order."""
        return {name: t.data.copy() for name, t in self._state_tensors()}

    def load_state_dict(self, state, strict=True):
        """Copy arrays from ``state`` into this module's parameters and buffers.

        Shapes must match (always checked). With ``strict``, the names must match too. An
        array of the same dtype kind (float into float) is cast to the tensor's dtype; one of
        another kind (int8 weights into a float32 model) replaces the tensor's data, so a
        quantized checkpoint loads as it was saved. Nothing changes unless everything fits.
        """
        own = dict(self._state_tensors())
        arrays = {name: np.asarray(value.data if isinstance(value, Tensor) else value) for name, value in state.items()}
        missing = [name for name in own if name not in arrays]
        unexpected = [name for name in arrays if name not in own]
        problems = [
            f"size mismatch for {name!r}: the state has shape {arrays[name].shape}, "
            f"the model has shape {own[name].shape}"
            for name in own
            if name in arrays and arrays[name].shape != own[name].shape
        ]
        if strict and (missing or unexpected):
            problems += [f"missing key {name!r} (the state has no value for it)" for name in missing]
            problems += [_unexpected(name, missing or own) for name in unexpected]
            problems.append("(pass strict=False to load what matches and ignore the rest)")
        if problems:
            raise RuntimeError(f"error(s) loading a state dict into {type(self).__name__}:\n  " + "\n  ".join(problems))
        for name, t in own.items():
            if name in arrays:
                _assign(t, arrays[name])
        return LoadResult(missing, unexpected)

    # ----------------------------------------------------------------- printing
    def extra_repr(self):
        """The text inside ``Name(...)``: a layer's settings. Override in a subclass."""
        return ""

    def __repr__(self):
        extra = self.extra_repr().split("\n") if self.extra_repr() else []
        children = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self.named_children()]
        if not children and len(extra) <= 1:
            return f"{type(self).__name__}({''.join(extra)})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(extra + children) + "\n)"


def _as_tensor(value):
    return value if isinstance(value, Tensor) else tensor(value)


def _unexpected(name, candidates):
    return f"unexpected key {name!r} (the model has no such parameter or buffer{did_you_mean(name, candidates)})"


def _assign(t, array):
    if array.dtype.kind == t.dtype.kind:
        t.data = array.astype(t.dtype, copy=True)
    else:
        t.data = array.copy()
        if t.dtype.kind != "f":  # an integer tensor cannot carry a gradient
            t.requires_grad = False
            t.grad = None
