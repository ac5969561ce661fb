"""The plugin manager: finds plugins through entry points and asks them what they offer.

A plugin is a module named by an entry point in the ``tinytorch`` group. We load each
one on its own, so a plugin that fails to import is recorded with its error instead of
breaking every command, and we call each registration hook implementation on its own,
so we know which distribution registered each name (and can name both when two collide).

Built-ins (the vectorized backend, the passes, models, datasets and events) are plugins
of the project's own distributions and load through exactly this path.

Each layer owns its contract: core's ``hookspecs.py`` declares backends and datasets,
and a higher layer adds its own hook specifications with ``add_hookspecs(module,
kinds)`` when it is imported (nn: models; optim: passes and the epoch hook; bench:
events, commands and the run hooks). ``kinds()`` is what has been declared so far.

Read next: ``backend.py``, which asks this module for the backend it should run on.
"""

import importlib.metadata
import os
import warnings
from dataclasses import dataclass, field

import pluggy

from . import hookspecs
from .names import did_you_mean

GROUP = "tinytorch"
# The project's own distributions, which load whatever TINYTORCH_PLUGINS says. A name list
# on purpose: the allow-list is decided before any plugin is imported, and a distribution's
# name is the one mark an installer keeps unique; anything a distribution could declare
# about itself (its module's namespace, a metadata field) a third party could declare too.
BUILTIN_DISTRIBUTIONS = frozenset(
    ["tinytorch-core", "tinytorch-nn", "tinytorch-text", "tinytorch-optim", "tinytorch-bench"]
)
_SPECS = {}  # hookspec module -> the registration kinds it declares ({"events": "event"})


def add_hookspecs(module, kinds=None):
    """Add a layer's hook specifications to every plugin host, the current one and later ones.

    ``kinds`` maps each registration kind the module defines to its singular
    (``{"events": "event"}``); each kind needs a ``tinytorch_register_<kind>(register)``
    spec in ``module``. Adding a module twice changes nothing.
    """
    kinds = dict(kinds or {})
    for kind in kinds:
        if not hasattr(module, f"tinytorch_register_{kind}"):
            raise ValueError(f"{module.__name__} declares kind {kind!r} but has no tinytorch_register_{kind} hookspec")
    _SPECS[module] = kinds


def kinds():
    """``{kind: singular}`` for every registration kind declared so far."""
    return {kind: one for declared in _SPECS.values() for kind, one in declared.items()}


add_hookspecs(hookspecs, hookspecs.KINDS)


class UnknownNameError(LookupError):
    """A config or call named a backend, pass, model, dataset or event nobody registered."""

    def __str__(self):
        return self.args[0]


class PluginConflictError(RuntimeError):
    """Two distributions registered the same name."""


@dataclass
class Registration:
    name: str
    obj: object
    dist: str


@dataclass
class PluginInfo:
    name: str  # the entry point's name
    dist: str
    version: str
    module: object = None
    error: str = ""  # why it is broken, if it is
    registers: dict = field(default_factory=dict)  # kind -> [names]
    failed_hooks: dict = field(default_factory=dict)  # hook name -> what it raised

    def hook_failed(self, hook_name, error):
        """Record ``hook_name`` raising ``error``; True the first time that hook fails.

        Each failing hook is kept, so a plugin with two broken hooks reports both."""
        first = hook_name not in self.failed_hooks
        if first:
            self.failed_hooks[hook_name] = f"{hook_name} raised {type(error).__name__}: {error}"
            self.error = "; ".join(self.failed_hooks.values())
        return first


def normalize(dist_name):
    return dist_name.lower().replace("_", "-").replace(".", "-")


def installed_entry_points():
    """Entry points of the ``tinytorch`` group, one per (distribution, name)."""
    seen, found = set(), []
    for ep in importlib.metadata.entry_points(group=GROUP):
        key = (normalize(ep.dist.name) if ep.dist else "", ep.name)
        if key not in seen:
            seen.add(key)
            found.append(ep)
    return found


def allowed_distributions():
    """None when every distribution may load, else the set TINYTORCH_PLUGINS allows."""
    value = os.environ.get("TINYTORCH_PLUGINS")
    if value is None:
        return None
    return BUILTIN_DISTRIBUTIONS | {normalize(d.strip()) for d in value.split(",") if d.strip()}


class PluginHost:
    """One pluggy manager plus what its plugins registered, kind by kind."""

    def __init__(self, entry_points=None):
        self.pm = pluggy.PluginManager("tinytorch")
        self._specs = set()  # the hookspec modules this manager has been given
        self.plugins = {}  # plugin name -> PluginInfo
        self._registries = {}
        self._conflicts = {}
        allowed, installed = allowed_distributions(), set()
        for ep in installed_entry_points() if entry_points is None else entry_points:
            dist = normalize(ep.dist.name) if ep.dist else "unknown"
            installed.add(dist)
            if allowed is not None and dist not in allowed:
                continue
            self._load(ep, dist, ep.dist.version if ep.dist else "")
        if allowed is not None:
            self._warn_missing(allowed, installed)

    @staticmethod
    def _warn_missing(allowed, installed):
        """TINYTORCH_PLUGINS naming a distribution that is not installed is most likely a typo."""
        for dist in sorted(allowed - BUILTIN_DISTRIBUTIONS - installed):
            warnings.warn(f"TINYTORCH_PLUGINS names {dist!r}, which is not an installed tinytorch plugin "
                          f"(installed: {', '.join(sorted(installed)) or 'none'}){did_you_mean(dist, installed)}",
                          RuntimeWarning, stacklevel=3)

    def _load(self, ep, dist, version):
        info = PluginInfo(name=ep.name, dist=dist, version=version)
        self.plugins[f"{dist}:{ep.name}"] = info
        try:
            info.module = ep.load()
            self.pm.register(info.module, name=f"{dist}:{ep.name}")
        except Exception as error:  # a broken plugin must not break unrelated commands
            info.error = f"{type(error).__name__}: {error}"

    def register(self, module, dist="local", name=None, version=""):
        """Register an in-process plugin (tests, notebooks) exactly like an entry point."""
        name = name or getattr(module, "__name__", repr(module))
        self.plugins[f"{dist}:{name}"] = PluginInfo(name, dist, version, module)
        self.pm.register(module, name=f"{dist}:{name}")
        self._registries.clear()  # collected again, with the newcomer, on next use
        self._conflicts.clear()
        for info in self.plugins.values():
            info.registers.clear()

    def broken(self):
        return [info for info in self.plugins.values() if info.error]

    def _add_declared_specs(self):
        # A layer may declare its specs after this host was made (its module is imported
        # later, or while our entry points load); pluggy accepts hook implementations
        # before their specs and checks them when the spec arrives.
        for module in _SPECS:
            if module not in self._specs:
                self.pm.add_hookspecs(module)
                self._specs.add(module)

    def call_each(self, hook_name, **kwargs):
        """Call every implementation of a hook on its own, each with the arguments it names.

        One that raises is marked broken and warned about once; the others still run, so
        a failing logger stops neither training nor the other plugins.
        """
        self._add_declared_specs()
        for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as error:
                info = self.plugins[impl.plugin_name]
                if info.hook_failed(hook_name, error):  # warned once per hook, not once per call
                    warnings.warn(f"plugin {impl.plugin_name!r} failed in {hook_name} "
                                  f"({type(error).__name__}: {error}); carrying on without it",
                                  RuntimeWarning, stacklevel=2)

    def registry(self, kind):
        """``{name: Registration}`` for one kind; names claimed twice are left out."""
        if kind not in kinds():
            raise ValueError(f"unknown plugin kind {kind!r}; expected one of {', '.join(kinds())}")
        self._add_declared_specs()
        if kind not in self._registries:
            self._registries[kind], self._conflicts[kind] = self._collect(kind)
        return self._registries[kind]

    def _collect(self, kind):
        found, conflicts = {}, {}
        for impl in getattr(self.pm.hook, f"tinytorch_register_{kind}").get_hookimpls():
            info = self.plugins[impl.plugin_name]

            def register(name, obj, info=info):
                info.registers.setdefault(kind, []).append(name)
                if name in conflicts:
                    conflicts[name].append(info.dist)
                elif name in found:
                    conflicts[name] = [found.pop(name).dist, info.dist]
                else:
                    found[name] = Registration(name, obj, info.dist)

            try:
                impl.function(register=register)
            except Exception as error:
                info.hook_failed(f"tinytorch_register_{kind}", error)
        return dict(sorted(found.items())), conflicts

    def conflicts(self, kind):
        self.registry(kind)
        return self._conflicts[kind]

    def lookup(self, kind, name):
        """The object registered as ``name``, or an error that helps fix the name."""
        found = self.registry(kind)
        if name in found:
            return found[name].obj
        if name in self._conflicts[kind]:
            dists = " and ".join(repr(d) for d in self._conflicts[kind][name])
            raise PluginConflictError(
                f"{kinds()[kind]} {name!r} is registered by both {dists}; uninstall one, or "
                f"choose which plugins load with TINYTORCH_PLUGINS"
            )
        message = (f"unknown {kinds()[kind]} {name!r}; installed {kind}: {', '.join(found) or '(none)'}"
                   f"{did_you_mean(name, found)}")
        for info in self.broken():
            message += f"\n  note: plugin {info.name!r} from {info.dist!r} is broken: {info.error}"
        raise UnknownNameError(message)


_host = None


def host():
    """The process-wide plugin host, created on first use."""
    global _host
    if _host is None:
        _host = PluginHost()
    return _host


def reset(new_host=None):
    """Forget the current host (tests use this to install fake plugins)."""
    global _host
    _host = new_host


def registry(kind):
    return host().registry(kind)


def lookup(kind, name):
    return host().lookup(kind, name)


def broken():
    return host().broken()
