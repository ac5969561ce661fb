"""Containers: modules whose job is to hold other modules.

``ModuleList`` is a list whose entries are registered as children (a plain Python list
would hide them from ``parameters()`` and ``state_dict()``); ``Sequential`` is a
``ModuleList`` that also runs its entries one after another. Children are named "0",
"1", ..., so a state dict reads ``"0.weight"``; pass a dict to ``Sequential`` to choose
the names. ``ModuleDict`` holds children by name, for models that pick one at run time.

Read next: ``activation.py``.
"""

from .module import Module


class ModuleList(Module):
    def __init__(self, modules=()):
        super().__init__()
        self.extend(modules)

    def _add(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"{type(self).__name__} holds Modules, found a {type(module).__name__} for {name!r}")
        setattr(self, name, module)

    def append(self, module):
        self._add(str(len(self)), module)
        return self

    def extend(self, modules):
        for module in modules:
            self.append(module)
        return self

    def __getitem__(self, index):
        items = list(self._modules.values())
        if isinstance(index, slice):
            return ModuleList(items[index])
        if not -len(items) <= index < len(items):
            raise IndexError(f"index {index} is out of range for a {type(self).__name__} of length {len(items)}")
        return items[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(ModuleList):
    """Run modules in order: ``Sequential(Linear(4, 8), ReLU(), Linear(8, 2))``."""

    def __init__(self, *modules):
        if len(modules) == 1 and isinstance(modules[0], dict):  # {"name": module, ...}
            super().__init__()
            for name, module in modules[0].items():
                self._add(name, module)
        else:
            super().__init__(modules)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*list(self._modules.values())[index])
        return super().__getitem__(index)

    def forward(self, x):
        for module in self:
            x = module(x)
        return x


class ModuleDict(Module):
    """A dict of named child modules: ``ModuleDict({"encoder": ..., "head": ...})``."""

    def __init__(self, modules=None):
        super().__init__()
        self.update(modules or {})

    def update(self, modules):
        for name, module in dict(modules).items():
            self[name] = module

    def __setitem__(self, name, module):
        if not isinstance(module, Module):
            raise TypeError(f"ModuleDict holds Modules, found a {type(module).__name__} for {name!r}")
        setattr(self, name, module)

    def _check(self, name):
        if name not in self._modules:
            raise KeyError(f"{name!r} is not in this ModuleDict; its keys are {list(self._modules)}")

    def __getitem__(self, name):
        self._check(name)
        return self._modules[name]

    def __delitem__(self, name):
        self._check(name)
        delattr(self, name)

    def __contains__(self, name):
        return name in self._modules

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()
