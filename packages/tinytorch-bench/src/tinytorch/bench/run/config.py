"""Experiment configs: from a YAML file to one checked dict, before any work starts.

``load_config(path, overrides)`` does it in four steps:

1. read the file with ``yamlio.safe_load`` only, so a config is plain data: a tag such
   as ``!!python/object/apply`` is refused, never run; the file's size, what its
   aliases expand to and its depth are bounded, a key repeated in a mapping is an
   error, and ``1e-3`` is a number (see ``yamlio.py``);
2. follow ``extends: base.yaml`` (relative to the file that says it, chains allowed,
   cycles reported) and lay each file over its base: mappings merge key by key, every
   other value, lists included, replaces the base's value outright;
3. apply ``--set key.path=value`` overrides, each value read as YAML so ``3``, ``0.1``,
   ``true``, ``[1, 2]`` and ``{name: x}`` keep their types (``passes.0.sparsity=0.5``
   reaches into a list);
4. validate against the schema, plugin names and options included, and fill in
   defaults (``schema.validate``: the one check a config passes).

Along the way we remember where each key came from (an ``Origin``: file and line, or
the ``--set`` that set it), and keep it with the values: the result is a ``Config``, a
plain dict that also answers ``config.origin("train.optimizer.lr")``. So an error in a
value inherited through ``extends:`` names the base file and line that hold it, and a
problem found later (a factory refusing an option, a pass refusing the model) is blamed
the same way, through ``config.problem(path, message)``.

``config_hash`` fingerprints the parts that decide the trained baseline, so a run can
reuse a cached checkpoint; ``dump_config`` writes the resolved config back as YAML.

Read next: ``schema.py`` for what a valid config contains.
"""

import copy
import hashlib
import json
import os
from dataclasses import dataclass

import yaml

from tinytorch.core.files import shorten

from .schema import ConfigError, Problem, check, describe, format_path, origin, validate
from .yamlio import InputError, load_file, safe_load

__all__ = [
    "BASELINE_KEYS", "Config", "ConfigError", "Origin", "config_hash", "dump_config", "load_config", "validate",
]

# What determines the trained baseline: change any of these and it must be retrained.
# (passes, event and benchmark act on a trained model, so they are left out.)
BASELINE_KEYS = ("seed", "backend", "data", "model", "train")


@dataclass(frozen=True)
class Origin:
    """Where a value came from: ``source`` (a file, ``--set key=value``, an environment
    variable) and, for a file, the ``line`` of its key. Prints as ``base.yaml:7``."""

    source: str
    line: int = None

    def __str__(self):
        return f"{self.source}:{self.line}" if self.line else self.source


class Config(dict):
    """A resolved config: a plain dict of plain values that also knows where each came from.

    ``origins`` maps key paths (``("train", "optimizer", "lr")``) to ``Origin``s; a path
    not listed inherits its closest listed prefix, and ``source`` is the fallback.
    """

    def __init__(self, values, origins=None, source="<config>"):
        super().__init__(values)
        self.origins, self.source = dict(origins or {}), source

    def origin(self, path):
        """The ``Origin`` of ``path``: a tuple, or dotted as ``--set`` writes it (``"passes.0"``)."""
        if isinstance(path, str):
            path = tuple(int(part) if part.isdigit() else part for part in path.split(".") if part)
        return origin(path, self.origins, Origin(self.source))

    def problem(self, path, message):
        """A ``Problem`` at ``path`` (dotted), blamed on whoever set that value."""
        return Problem(str(self.origin(path)), path, message)


def load_config(path, overrides=(), *, names=None, defaults=None):
    """Read, extend, override and validate the config at ``path``; return the ``Config``.

    ``overrides`` are ``"key.path=value"`` strings, applied in order. ``names`` maps
    plugin kinds to installed names (see ``schema.validate``); by default the plugin
    registry is asked. ``defaults`` maps top-level keys to ``(value, source)`` pairs that
    apply only where no file sets the key (``--set`` still beats them): the runner passes
    ``TINYTORCH_BACKEND`` this way. Raises ``ConfigError`` listing every problem at once.
    """
    source = str(path)
    origins = {}
    config = _load_with_bases(source, origins, chain=())
    for key, (value, where) in (defaults or {}).items():
        if key not in config:
            config[key] = value
            _claim(origins, (key,), where)
    problems = []
    for text in overrides:
        problems += _apply_override(config, text, origins)
    resolved, invalid = check(config, source=source, names=names, origins=origins)
    problems += invalid
    if problems:
        raise ConfigError(problems)
    return Config(resolved, origins, source)


# -- reading files and extends: -----------------------------------------------------------


def _read_yaml(source):
    """``(mapping, key lines)`` of one YAML file, or a ConfigError that says why there is none."""
    try:
        data = load_file(source)
    except OSError as error:
        raise _error(source, f"cannot read config: {error.strerror or error}") from None
    except InputError as error:
        raise _error(source, str(error)) from None
    except yaml.YAMLError as error:
        raise _error(source, _yaml_error_message(error)) from None
    if not isinstance(data, dict):
        found = "an empty file" if data is None else describe(data)
        raise _error(
            source, f"expected a mapping (name: ..., data: ...) at the top level, found {found}"
        )
    return data, _key_lines(source)


def _key_lines(source):
    """``{key path: line}`` for the keys and list items of a YAML file ``load_file`` accepted."""
    # Composing gives the nodes with their marks and builds no Python objects. load_file
    # has already bounded the file's size and depth, so this walk ends quickly.
    with open(source, encoding="utf-8") as f:
        root = yaml.compose(f, Loader=yaml.SafeLoader)
    lines, seen = {}, set()

    def walk(node, path):
        if id(node) in seen:  # an alias: its keys were listed where its anchor stands
            return
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            children = [((key.value,), key, value) for key, value in node.value]
        elif isinstance(node, yaml.SequenceNode):
            children = [((i,), item, item) for i, item in enumerate(node.value)]
        else:
            return
        for part, marked, child in children:
            lines.setdefault(path + part, marked.start_mark.line + 1)
            walk(child, path + part)

    walk(root, ())
    return lines


def _error(source, message, path=""):
    """A ConfigError with one problem: for failures that stop loading on the spot."""
    return ConfigError([Problem(source, path, message)])


def _yaml_error_message(error):
    mark = getattr(error, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    problem = getattr(error, "problem", None) or str(error)
    if isinstance(error, yaml.constructor.ConstructorError):
        # safe_load refuses every tag that would build a Python object; say why.
        return (
            f"{where}{problem}; configs are plain data read with yaml.safe_load, "
            "so tags that build Python objects (like !!python/...) are not allowed"
        )
    return f"{where}invalid YAML: {problem}"


def _load_with_bases(source, origins, chain):
    """The config at ``source`` laid over its ``extends:`` chain; fills ``origins``."""
    # ``chain`` holds (real path, name as written) for each file that led here; real paths
    # catch a cycle however it is spelled, written names make it readable.
    real = os.path.realpath(source)
    if real in [seen for seen, _ in chain]:
        loop = [name for _, name in chain] + [source]
        raise _error(source, f"extends: cycle: {' -> '.join(loop)}", "extends")
    data, lines = _read_yaml(source)
    base_name = data.pop("extends", None)
    if base_name is None:
        _claim(origins, (), source, lines)  # everything not set later came from here
        return data
    if not isinstance(base_name, str) or not base_name:
        raise _error(
            source, f"extends: expected a file path, found {describe(base_name)}", "extends"
        )
    base_source = os.path.normpath(os.path.join(os.path.dirname(source), base_name))
    if not os.path.exists(base_source):
        message = f"extends: base config {base_name!r} not found (looked for {base_source})"
        raise _error(source, message, "extends")
    base = _load_with_bases(base_source, origins, chain + ((real, source),))
    _merge_into(base, data, (), origins, source, lines)
    return base


def _merge_into(base, child, path, origins, source, lines):
    """Lay ``child`` over ``base`` in place: mappings merge, anything else replaces."""
    for key, value in child.items():
        where = path + (key,)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge_into(base[key], value, where, origins, source, lines)
        else:
            base[key] = copy.deepcopy(value)
            _claim(origins, where, source, lines)


def _claim(origins, path, source, lines=None):
    """``source`` now sets everything under ``path``: forget older claims, note its lines."""
    for old in [p for p in origins if p[: len(path)] == path]:
        del origins[old]
    origins[path] = Origin(source, (lines or {}).get(path))
    for key_path, line in (lines or {}).items():
        if key_path[: len(path)] == path:
            origins[key_path] = Origin(source, line)


# -- --set overrides ------------------------------------------------------------------------


def _apply_override(config, text, origins):
    """Apply one ``key.path=value`` to ``config`` in place; return problems (or [])."""
    source = f"--set {shorten(text)}"
    key_path, sep, raw = text.partition("=")
    if not sep or not key_path.strip():
        return [
            Problem(source, "", f"expected key.path=value (like train.epochs=5), found {shorten(repr(text))}")
        ]
    try:
        value = safe_load(raw)
    except yaml.YAMLError as error:
        message = f"{key_path}: cannot read the value as YAML: {_yaml_error_message(error)}"
        return [Problem(source, key_path, message)]

    parts = key_path.strip().split(".")
    node, path = config, ()
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                where = format_path(path)
                valid = f"from 0 to {len(node) - 1}" if node else "(the list is empty)"
                message = f"{where}: expected a list index {valid}, found {part!r}"
                return [Problem(source, where, message)]
            part = int(part)
        elif not isinstance(node, dict):
            where = format_path(path)
            message = (
                f"{where}: cannot set {key_path}: {where} holds {describe(node)}, not a mapping"
            )
            return [Problem(source, where, message)]
        path += (part,)
        if last:
            node[part] = value
            _claim(origins, path, source)
        else:
            if isinstance(node, dict) and node.get(part) is None:
                # Reaching into a missing or null section (`event`, `train.schedule`) creates
                # it; if the key itself is misspelled, validation names it and suggests.
                node[part] = {}
                _claim(origins, path, source)
            node = node[part]
    return []


# -- hashing and writing --------------------------------------------------------------------


def config_hash(config):
    """sha256 of the parts that decide the trained baseline (see ``BASELINE_KEYS``).

    Pass the resolved config from ``load_config``: defaults are filled in and numbers
    normalized there, so spelling a default out or writing ``lr: 1`` for ``lr: 1.0``
    gives the same hash. Key order never matters.
    """
    part = {key: config.get(key) for key in BASELINE_KEYS}
    text = json.dumps(part, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_config(config):
    """The config as YAML, keys in the order given; ``yaml.safe_load`` reads it back."""
    return yaml.safe_dump(dict(config), sort_keys=False)  # a Config is written as the plain dict it is
