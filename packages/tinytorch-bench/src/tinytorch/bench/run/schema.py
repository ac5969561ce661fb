"""What a valid experiment config is, written down once as data.

``SCHEMA`` at the bottom of this file mirrors the YAML a user writes: each key maps to a
small node (``Int``, ``Number``, ``Name``, ``Section``, ...) that knows what it expects,
what its default is, and how to check a value. ``validate`` walks the config and the
schema side by side, fills in defaults, and collects *every* problem before raising one
``ConfigError``, so a user fixes a config in one round instead of one error per run.

Each problem says where (the key path, like ``train.optimizer.lr``), what was expected
and what was found, and, for a misspelled key or name, the nearest valid one.

Names that plugins provide (backends, datasets, models, passes, events) are checked
against what is installed, and so are the options of the chosen dataset, model and
event (``Plugin`` nodes): a dataset or model factory takes the keyword arguments its
signature names, an event checks its own in ``validate``. So ``validate`` is the one
check a config passes before any work. Only a pass's options wait for the model the
config builds (``prepare.py``). Tests may pass ``names`` instead, checking names only.

Read next: ``config.py``, which turns YAML files, ``extends:`` and ``--set`` into the
dict this module validates, remembering where each value came from.
"""

import copy
import inspect
import math
from dataclasses import dataclass

import tinytorch.optim as optim
from tinytorch.bench import hookspecs  # noqa: F401  (declares the "events" kind installed_names lists)
from tinytorch.core import plugins
from tinytorch.core.files import shorten
from tinytorch.core.names import did_you_mean, unknown_option

# The optimizers a config may name; ``prepare.make_optimizer`` builds them.
OPTIMIZERS = {"sgd": optim.SGD, "adam": optim.Adam, "adamw": optim.AdamW}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config. ``source`` is the file (or ``--set``) it came from."""

    source: str
    path: str
    message: str

    def __str__(self):
        return f"{self.source}: {self.message}"


class ConfigError(ValueError):
    """A config that cannot be used; ``problems`` lists every reason, one per line."""

    def __init__(self, problems):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def format_path(path):
    """``("passes", 0, "sparsity")`` -> ``"passes.0.sparsity"``: the form ``--set`` uses."""
    return ".".join(str(part) for part in path) if path else "(top level)"


def describe(value):
    """A found value with its type, in YAML words: ``str 'ten'``, ``null``, ``a list``."""
    if value is None:
        return "null"
    if isinstance(value, bool):  # before int: YAML's true/false are bools, not 1/0
        return f"bool {str(value).lower()}"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {shorten(repr(value))}"  # a found value may be huge


class Checker:
    """What one validation run carries: the installed names, a lookup, the problems so far."""

    def __init__(self, names, lookup=None):
        self.names = names
        self._lookup = lookup  # plugins.lookup, or None: then plugin options go unchecked
        self.problems = []  # (path tuple, message) pairs; sources are attached at the end

    def lookup(self, kind, name):
        """What a plugin registered as ``name``, or None (unknown names are reported by ``Name``)."""
        if self._lookup is None or not isinstance(name, str):
            return None
        try:
            return self._lookup(kind, name)
        except (LookupError, RuntimeError):  # unknown, or claimed by two plugins
            return None

    def problem(self, path, text):
        """Record ``"<key path>: <text>"``."""
        self.problems.append((path, f"{format_path(path)}: {text}"))

    def wrong_type(self, path, expected, value):
        self.problem(path, f"expected {expected}, found {describe(value)}")

    def unknown_name(self, path, message):
        """Record a message that names the path itself ("unknown model 'x' at model.name")."""
        self.problems.append((path, message))


# -- schema nodes ------------------------------------------------------------------------
#
# Each node has ``default`` (REQUIRED if the key must be present), an ``expected`` phrase
# for messages, and ``check(value, path, checker) -> value``. ``check`` reports problems
# and returns the value to keep, with defaults filled in. A node whose default is None
# also accepts an explicit null: that is how a config says "no schedule" or "no event".

REQUIRED = object()


class Node:
    default = REQUIRED
    expected = "a value"

    def __init__(self, *, default=REQUIRED):
        self.default = default

    def check(self, value, path, checker):
        raise NotImplementedError


class Int(Node):
    """An integer, optionally ``>= at_least``, ``> above`` or ``<= at_most``. A bool is not an integer."""

    expected = "an integer"

    def __init__(self, *, default=REQUIRED, at_least=None, above=None, at_most=None):
        super().__init__(default=default)
        self.at_least, self.above, self.at_most = at_least, above, at_most

    def check(self, value, path, checker):
        if isinstance(value, bool) or not isinstance(value, int):
            checker.wrong_type(path, self.expected, value)
            return value
        _check_range(self, value, path, checker)
        return value


class Number(Node):
    """A finite real number. Integers are fine (``lr: 1``) and come back as floats."""

    expected = "a number"

    def __init__(self, *, default=REQUIRED, at_least=None, above=None):
        super().__init__(default=default)
        self.at_least, self.above, self.at_most = at_least, above, None

    def check(self, value, path, checker):
        # Strings are refused even when they look numeric: YAML reads `lr: "0.1"` as text
        # on purpose, and a quoted number is almost always a mistake worth pointing at.
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            checker.wrong_type(path, self.expected, value)
            return value
        if not math.isfinite(value):
            checker.problem(path, f"expected a finite number, found {value!r}")
            return value
        _check_range(self, value, path, checker)
        # One spelling per value (1 and 1.0 alike), so config_hash does not depend on it.
        return float(value)


def _check_range(node, value, path, checker):
    if node.at_least is not None and value < node.at_least:
        checker.problem(path, f"expected {node.expected} >= {node.at_least}, found {value!r}")
    if node.above is not None and value <= node.above:
        checker.problem(path, f"expected {node.expected} > {node.above}, found {value!r}")
    if node.at_most is not None and value > node.at_most:
        checker.problem(path, f"expected {node.expected} <= {node.at_most}, found {value!r}")


class Bool(Node):
    """``true`` or ``false`` (YAML's spelling); 0 and 1 are refused as a likely slip."""

    expected = "true or false"

    def check(self, value, path, checker):
        if not isinstance(value, bool):
            checker.wrong_type(path, self.expected, value)
        return value


class Text(Node):
    """A non-empty string; ``forbid`` lists characters it may not contain."""

    expected = "a string"

    def __init__(self, *, default=REQUIRED, forbid=""):
        super().__init__(default=default)
        self.forbid = forbid

    def check(self, value, path, checker):
        if not isinstance(value, str) or not value:
            found = "an empty string" if value == "" else describe(value)
            checker.problem(path, f"expected {self.expected}, found {found}")
        elif any(ch in value for ch in self.forbid):
            checker.problem(
                path,
                f"expected {self.expected} without any of {' '.join(self.forbid)}, found {value!r}",
            )
        return value


class Name(Node):
    """A name from a fixed list (``choices``) or from what plugins registered (``plugin``)."""

    def __init__(self, what, *, choices=None, plugin=None, default=REQUIRED):
        super().__init__(default=default)
        self.what, self.choices, self.plugin = what, choices, plugin
        self.expected = f"a {what} name"

    def check(self, value, path, checker):
        if not isinstance(value, str) or not value:
            checker.wrong_type(path, self.expected, value)
            return value
        if self.choices is not None:
            valid, listing = self.choices, "expected one of"
        elif self.plugin in checker.names:
            valid, listing = checker.names[self.plugin], f"installed {self.plugin}"
        else:
            return value  # the caller gave no list for this kind: nothing to check against
        if value not in valid:
            message = (
                f"unknown {self.what} {value!r} at {format_path(path)}; "
                f"{listing}: {', '.join(sorted(valid)) or '(none)'}{did_you_mean(value, valid)}"
            )
            if self.plugin:
                # A plugin that failed to import may be the one that would provide it.
                for note in checker.names.get("broken", ()):
                    message += f"; note: {note}"
            checker.unknown_name(path, message)
        return value


class Section(Node):
    """A mapping with known ``fields``.

    With ``options=True`` any other keys are kept and handed on (to a dataset or model
    factory, a pass, an event), which checks them itself. Otherwise an unknown key is an
    error, with the nearest known key as a suggestion. ``rule(out, path, checker)``, if
    given, checks what no single field can (one field's value against another's).
    """

    expected = "a mapping"

    def __init__(self, fields, *, options=False, default=REQUIRED, rule=None):
        super().__init__(default=default)
        self.fields, self.options, self.rule = fields, options, rule

    def check(self, value, path, checker):
        if not isinstance(value, dict):
            checker.wrong_type(path, self.expected, value)
            return value
        out = {}
        for key, node in self.fields.items():
            where = path + (key,)
            if key in value:
                out[key] = _check_or_null(node, value[key], where, checker)
            elif node.default is REQUIRED:
                checker.problem(where, f"missing; expected {node.expected}")
            else:
                # Check the default too: a Section's default {} is filled in like a given {}.
                out[key] = _check_or_null(node, copy.deepcopy(node.default), where, checker)
        for key, item in value.items():
            if key in self.fields:
                continue
            where = path + (key,)
            if not isinstance(key, str):
                checker.wrong_type(where, "a string key", key)
            elif not self.options:
                known = ", ".join(self.fields)
                checker.problem(
                    where,
                    f"unknown key {key!r}; expected one of: {known}"
                    f"{did_you_mean(key, self.fields)}",
                )
            out[key] = item
        if self.rule is not None:
            self.rule(out, path, checker)
        return out


class Plugin(Section):
    """A section naming what a plugin registered (``name``); its other keys are options for it.

    ``options_of(obj, options, what) -> [(key or None, message)]`` checks the options
    against the registered object, when the checker can look it up: ``factory_options``
    for dataset and model factories, ``event_options`` for events.
    """

    def __init__(self, kind, what, fields=None, *, options_of=None, default=REQUIRED):
        super().__init__({"name": Name(what, plugin=kind), **(fields or {})}, options=True, default=default)
        self.kind, self.what, self.options_of = kind, what, options_of

    def check(self, value, path, checker):
        out = super().check(value, path, checker)
        obj = checker.lookup(self.kind, out.get("name")) if isinstance(out, dict) and self.options_of else None
        if obj is not None:
            options = {k: v for k, v in out.items() if k not in self.fields}
            for key, message in self.options_of(obj, options, f"{self.what} {out['name']!r}"):
                checker.problem(path + ((key,) if key else ()), message)
        return out


def factory_options(skip):
    """An ``options_of`` for ``factory(<skip positional arguments>, **options)``."""

    def check(factory, options, what):
        params = list(inspect.signature(factory).parameters.values())[skip:]
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return []  # the factory takes **options and checks them itself
        valid = [p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        return [(key, unknown_option(key, valid, what)) for key in options if key not in valid]

    return check


def event_options(event, options, what):
    """An ``options_of`` for events: their own ``validate(options)`` raises ValueError."""
    try:
        event.validate(options)
    except ValueError as error:
        return [(None, str(error))]
    return []


def _momentum_is_for_sgd(optimizer, path, checker):
    if optimizer.get("name") != "sgd" and optimizer.get("momentum"):
        checker.problem(path + ("momentum",), (
            f"momentum applies to sgd only, found {optimizer['momentum']} with "
            f"{optimizer['name']} (which keeps its own moving averages); remove it"
        ))


class Variants(Node):
    """A mapping whose allowed keys depend on its ``name``: ``schedule: {name: step, ...}``."""

    expected = "a mapping"

    def __init__(self, what, variants, *, default=REQUIRED):
        super().__init__(default=default)
        self.what, self.variants = what, variants
        self.name = Name(what, choices=tuple(variants))

    def check(self, value, path, checker):
        if not isinstance(value, dict):
            checker.wrong_type(path, self.expected, value)
            return value
        if value.get("name") not in self.variants:
            # Without a valid name we cannot know which keys belong; report just the name.
            Section({"name": self.name}, options=True).check(value, path, checker)
            return value
        fields = {"name": self.name, **self.variants[value["name"]]}
        return Section(fields).check(value, path, checker)


class ListOf(Node):
    """A list whose items all match one node."""

    expected = "a list"

    def __init__(self, item, *, default=REQUIRED):
        super().__init__(default=default)
        self.item = item

    def check(self, value, path, checker):
        if not isinstance(value, list):
            checker.wrong_type(path, self.expected, value)
            return value
        return [self.item.check(item, path + (i,), checker) for i, item in enumerate(value)]


def _check_or_null(node, value, path, checker):
    if value is None and node.default is None:
        return None
    return node.check(value, path, checker)


# -- the schema --------------------------------------------------------------------------
#
# Read this as the YAML it describes. Plugin-provided things (data, model, passes, event)
# are ``Plugin`` sections: their other keys are options for the plugin itself.

OPTIMIZER = Section(
    {
        "name": Name("optimizer", choices=tuple(OPTIMIZERS), default="adam"),
        "lr": Number(default=0.001, above=0),
        "weight_decay": Number(default=0.0, at_least=0),
        "momentum": Number(default=0.0, at_least=0),
    },
    default={},
    rule=_momentum_is_for_sgd,
)

SCHEDULE = Variants(
    "schedule",
    {
        "step": {  # lr *= gamma every step_size epochs
            "step_size": Int(above=0),
            "gamma": Number(default=0.1, above=0),
        },
        "cosine": {  # linear warm-up, then cosine decay from lr down to min_lr
            "warmup_epochs": Int(default=0, at_least=0),
            "min_lr": Number(default=0.0, at_least=0),
        },
    },
    default=None,
)

SCHEMA = Section(
    {
        # The run directory is runs/<name>-<time>/, so no path separators in the name.
        "name": Text(forbid="/\\"),
        "seed": Int(default=0, at_least=0, at_most=2**32 - 1),  # what NumPy's seed() takes
        "backend": Name("backend", plugin="backends", default="vectorized"),
        "data": Plugin(
            "datasets", "dataset", {"batch_size": Int(default=64, above=0)}, options_of=factory_options(0)
        ),
        # A model factory's first argument is the dataset's info dict, not an option.
        "model": Plugin("models", "model", options_of=factory_options(1)),
        "train": Section(
            {
                "epochs": Int(default=20, at_least=0),
                "optimizer": OPTIMIZER,
                "schedule": SCHEDULE,
                "clip_grad_norm": Number(default=None, above=0),
            },
            default={},
        ),
        # Applied in order after training; a pass checks its options against the model
        # the config builds, so that waits for ``prepare.check_passes``.
        "passes": ListOf(Plugin("passes", "pass"), default=[]),
        "event": Plugin("events", "event", options_of=event_options, default=None),
        "benchmark": Section(
            {
                "warmup": Int(default=5, at_least=0),
                "runs": Int(default=50, above=0),  # timed calls per layer in the layer profile
                "batch_size": Int(default=1, above=0),
                # LoadGen SingleStream minimums (MLPerf's); below them a result is not VALID
                "min_queries": Int(default=1024, above=0),
                "min_seconds": Number(default=10.0, at_least=0),
                "quick": Bool(default=False),  # a few queries, for tests; marked as such
            },
            default={},
        ),
    }
)


def validate(config, *, source="<config>", names=None, origins=None):
    """Check ``config`` against ``SCHEMA``; return a copy with every default filled in.

    ``names=None`` (the usual) checks every plugin name against the plugin registry and
    the options of the chosen dataset, model and event against what they accept. A
    ``names`` mapping of plugin kinds (``"backends"``, ``"datasets"``, ...) to names
    checks the names only, and a kind left out not at all (tests use this); an optional
    ``"broken"`` entry lists notes about plugins that failed to load, shown with any
    unknown-name error.

    ``source`` names the file in messages. ``origins`` (from ``config.load_config``)
    maps key paths to the ``Origin`` (file and line, or ``--set``) that set them, so a
    bad value inherited through ``extends:`` is blamed on the line that holds it.

    Raises ``ConfigError`` listing every problem found.
    """
    resolved, problems = check(config, source=source, names=names, origins=origins)
    if problems:
        raise ConfigError(problems)
    return resolved


def check(config, *, source="<config>", names=None, origins=None):
    """Like ``validate`` but returns ``(resolved, problems)`` instead of raising."""
    checker = Checker(installed_names(), plugins.lookup) if names is None else Checker(names)
    resolved = SCHEMA.check(config, (), checker)
    problems = [
        Problem(str(origin(path, origins, source)), format_path(path), message)
        for path, message in checker.problems
    ]
    return resolved, problems


def origin(path, origins, default):
    """Who set ``path``: the entry for its longest prefix in ``origins``, else ``default``."""
    for end in range(len(path), -1, -1):
        if origins and path[:end] in origins:
            return origins[path[:end]]
    return default


def installed_names():
    """The names each plugin kind offers right now, from ``tinytorch.core.plugins``."""
    names = {}
    for kind in plugins.kinds():
        # A name two plugins claim is left out of the registry, but it *is* installed;
        # keep it, so that looking it up reports the conflict instead of "unknown".
        names[kind] = sorted({*plugins.registry(kind), *plugins.host().conflicts(kind)})
    names["broken"] = [
        f"plugin {p.name!r} from {p.dist!r} is broken: {p.error}" for p in plugins.broken()
    ]
    return names
