"""Reading YAML we did not write: plain data only, bounded in size, every key once.

A config is a file anyone can hand to ``tt``, so reading it must be safe and must end.
``yaml.safe_load`` already refuses tags that build Python objects (``!!python/...``);
this module keeps those semantics and adds four bounds:

- **size**: a config file holds at most ``MAX_CONFIG_BYTES``; a larger one is an error
  before any parsing (``tinytorch.core.files.read_limited``);
- **expansion**: an alias (``*a``) stands for the whole node its anchor (``&a``) names,
  so nine lines of nested aliases can stand for a billion values ("billion laughs").
  The parser shares one Python object per anchor, which is small, but anything that walks
  the data (validation, ``deepcopy``, hashing, printing) visits every copy. So while
  composing we count the values each node *expands to*, and stop past ``MAX_VALUES``;
  an alias that refers to its own anchor (a cycle) is refused;
- **depth**: at most ``MAX_DEPTH`` nested lists and mappings, well inside Python's
  recursion limit for everything that walks the result;
- **duplicate keys**: YAML says a key appears once per mapping, but PyYAML keeps the
  last one silently; here a repeated key is an error naming both lines. (The merge key
  ``<<`` may still override, as YAML intends.)

It also reads ``1e-3`` as a float, as YAML 1.2 and every other language do (PyYAML's
YAML 1.1 rules read it as the string "1e-3").

Every failure is a ``yaml.YAMLError`` with a line and column, or an ``InputError`` for
a file that is too large or not UTF-8, so the caller can print one line.

Read next: ``config.py``, which reads every config file and ``--set`` value through here.
"""

import re

import yaml
from yaml.composer import ComposerError
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, SequenceNode

from tinytorch.core.files import FileTooLargeError, read_limited, shorten

MAX_CONFIG_BYTES = 1_000_000  # the largest config in configs/ is under 2 kB
MAX_VALUES = 100_000  # values (scalars, lists, mappings) a document may expand to
MAX_DEPTH = 64  # nested lists and mappings


class InputError(ValueError):
    """The file cannot be read as a config at all: too large, or not UTF-8 text."""


class DuplicateKeyError(yaml.MarkedYAMLError):
    """A mapping names the same key twice."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that counts what aliases expand to, limits depth and refuses repeated keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self._values = {}  # id(node) -> how many values the node expands to, once composed
        self._depth = 0

    def compose_node(self, parent, index):
        alias = self.check_event(AliasEvent)
        mark = self.peek_event().start_mark
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise ComposerError(None, None, f"nested more than {MAX_DEPTH} levels deep", mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if alias:  # the anchor's node, counted when it was composed, unless we are inside it
            if id(node) not in self._values:
                raise ComposerError(None, None, "an alias refers to the node that contains it (a cycle)", mark)
            return node
        children = ([v for pair in node.value for v in pair] if isinstance(node, MappingNode)
                    else node.value if isinstance(node, SequenceNode) else [])
        size = 1 + sum(self._values[id(child)] for child in children)
        if size > MAX_VALUES:
            raise ComposerError(None, None, (
                f"expected at most {MAX_VALUES:,} values, found more (aliases such as *name "
                f"repeat what their &name anchor holds; a config needs few)"), mark)
        self._values[id(node)] = size
        return node

    def construct_mapping(self, node, deep=False):
        first = {}  # key -> the node where it first appeared
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                earlier = first.setdefault(key, key_node)
            except TypeError:  # an unhashable key: the base class says so
                continue
            if earlier is not key_node:
                raise DuplicateKeyError(
                    None, None,
                    f"duplicate key {shorten(key, 40)!r} (first at line {earlier.start_mark.line + 1}); "
                    f"a key may appear once in a mapping", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)[eE][-+]?[0-9]+$"),
    list("-+0123456789."),
)


def safe_load(stream):
    """``yaml.safe_load`` with the bounds above: plain data only, no Python object tags."""
    loader = _Loader(stream)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_file(path):
    """The data in the YAML file at ``path``.

    Raises ``OSError`` (cannot open), ``InputError`` (too large, not UTF-8) or
    ``yaml.YAMLError`` (not valid, or past a bound), each with a message for a person.
    """
    try:
        raw = read_limited(path, MAX_CONFIG_BYTES, "config")
    except FileTooLargeError as error:
        raise InputError(str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise InputError(
            f"line {line}: expected UTF-8 text, found the byte {raw[error.start]:#04x}; "
            f"save the file as UTF-8") from None
    return safe_load(text)
