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
4. validate against the schema and fill in defaults (see ``schema.py``).

Along the way we remember which file (or which ``--set``) set each key, so an error in
a value inherited through ``extends:`` names the file that holds it.

``config_hash`` fingerprints the parts that decide the trained baseline, so a run can
reuse a cached checkpoint; ``dump_config`` writes the resolved config back as YAML.

Read next: ``schema.py`` for what a valid config contains.
"""

import copy
import hashlib
import json
import os

import yaml

from tinytorch.core.files import shorten

from .schema import ConfigError, Problem, check, describe, format_path, validate
from .yamlio import InputError, load_file, safe_load

__all__ = ["ConfigError", "load_config", "validate", "config_hash", "dump_config", "BASELINE_KEYS"]

# What determines the trained baseline: change any of these and it must be retrained.
# (passes, event and benchmark act on a trained model, so they are left out.)
BASELINE_KEYS = ("seed", "backend", "data", "model", "train")


def load_config(path, overrides=(), *, names=None, defaults=None):
    """Read, extend, override and validate the config at ``path``; return the resolved dict.

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
            _set_origin(origins, (key,), where)
    problems = []
    for text in overrides:
        problems += _apply_override(config, text, origins)
    resolved, invalid = check(config, source=source, names=names, origins=origins)
    problems += invalid
    if problems:
        raise ConfigError(problems)
    return resolved


# -- reading files and extends: -----------------------------------------------------------


def _read_yaml(source):
    """The mapping in one YAML file, or a ConfigError that says why there is none."""
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
    return data


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
    data = _read_yaml(source)
    base_name = data.pop("extends", None)
    if base_name is None:
        origins[()] = source  # everything not set later came from here
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
    _merge_into(base, data, (), origins, source)
    return base


def _merge_into(base, child, path, origins, source):
    """Lay ``child`` over ``base`` in place: mappings merge, anything else replaces."""
    for key, value in child.items():
        where = path + (key,)
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge_into(base[key], value, where, origins, source)
        else:
            base[key] = copy.deepcopy(value)
            _set_origin(origins, where, source)


def _set_origin(origins, path, source):
    # The whole subtree under ``path`` now comes from ``source``: forget older claims.
    for old in [p for p in origins if p[: len(path)] == path]:
        del origins[old]
    origins[path] = source


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
            _set_origin(origins, path, source)
        else:
            if isinstance(node, dict) and node.get(part) is None:
                # Reaching into a missing or null section (`event`, `train.schedule`) creates
                # it; if the key itself is misspelled, validation names it and suggests.
                node[part] = {}
                _set_origin(origins, path, source)
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
    return yaml.safe_dump(config, sort_keys=False)
