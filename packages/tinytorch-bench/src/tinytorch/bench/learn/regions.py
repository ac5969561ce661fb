"""Solution regions: the parts of the reference code a learner writes themselves.

A region is marked by two comment lines around the body of a function, at the body's
indentation: ``# region 05 autograd: <one-line hint>`` before it and ``# endregion``
after it (editors fold these). Each region belongs to one module of the curriculum and
holds code a learner writes: ``unbroadcast``'s body, Adam's update, the KV-cache append.

The markers are comments, so the reference runs unchanged. A learner's *skeleton* keeps
the markers, the signature, the docstring and the hint, and replaces the lines between
with ``raise NotImplementedError("Module 05 autograd: <hint>")``. Because the markers
stay, the same region can later be reset to the skeleton or solved back to the reference
in a file the learner has edited elsewhere. Regions must sit inside a function, so a
skeleton still imports: only calling the unwritten code fails.

Read next: ``workspace.py``, which builds a learner's copy of the packages from these.
"""

import ast
import re
from dataclasses import dataclass

START = re.compile(r"^(?P<indent>[ \t]*)# region (?P<number>\d\d) (?P<name>[a-z-]+): (?P<hint>\S.*)$")
END = re.compile(r"^(?P<indent>[ \t]*)# endregion$")
LOOSE = re.compile(r"^\s*#\s*(end)?region\b")  # anything that looks like a marker, well-formed or not


class RegionError(ValueError):
    """Markers that do not form regions; the message names the file and line."""


@dataclass(frozen=True)
class Region:
    """Lines ``start`` (the ``# region`` line) to ``end`` (``# endregion``) of ``path``, 0-based."""

    path: str
    number: int
    name: str
    hint: str
    indent: str
    start: int
    end: int

    @property
    def label(self):
        return f"{self.number:02d} {self.name}"

    def skeleton(self):
        """The line that replaces the body: the hint, as the error a learner sees first."""
        message = f"Module {self.label}: {self.hint}"
        return f"{self.indent}raise NotImplementedError({message!r})"


def parse(text, path="<text>"):
    """The regions of one file's ``text``, in order; raises RegionError on a malformed marker."""
    regions, open_ = [], None
    for i, line in enumerate(text.splitlines()):
        start, end = START.match(line), END.match(line)
        where = f"{path}:{i + 1}"
        if start:
            if open_:
                raise RegionError(f"{where}: a region starts inside the region opened at line {open_.start + 1}; "
                                  "close it with '# endregion' first (regions do not nest)")
            open_ = Region(path, int(start["number"]), start["name"], start["hint"].strip(), start["indent"], i, -1)
        elif end:
            if not open_:
                raise RegionError(f"{where}: '# endregion' without a '# region NN name: hint' before it")
            if end["indent"] != open_.indent:
                raise RegionError(f"{where}: '# endregion' must be indented like its '# region' line {open_.start + 1}")
            if i == open_.start + 1:
                raise RegionError(f"{where}: the region opened at line {open_.start + 1} is empty")
            regions.append(Region(**{**open_.__dict__, "end": i}))
            open_ = None
        elif LOOSE.match(line):
            raise RegionError(f"{where}: malformed marker {line.strip()!r}; expected "
                              "'# region NN name: one-line hint' or '# endregion'")
    if open_:
        raise RegionError(f"{path}:{open_.start + 1}: region {open_.label} is never closed with '# endregion'")
    return regions


def replace(text, number, bodies, path="<text>"):
    """``text`` with the body of each region of module ``number`` replaced.

    ``bodies(region, lines)`` gets the region and its current body lines and returns the
    new ones. Other modules' regions, and everything outside regions, stay as they are.
    """
    lines = text.splitlines(keepends=True)
    for region in reversed([r for r in parse(text, path) if r.number == number]):
        body = [line.rstrip("\n") for line in lines[region.start + 1:region.end]]
        lines[region.start + 1:region.end] = [line + "\n" for line in bodies(region, body)]
    return "".join(lines)


def skeletonize(text, number, path="<text>"):
    """``text`` with module ``number``'s regions replaced by their ``raise NotImplementedError``."""
    return replace(text, number, lambda region, body: [region.skeleton()], path)


def check(text, path="<text>"):
    """Every region of a file, after checking each one's skeleton parses and lies inside a function."""
    regions = parse(text, path)
    for number in sorted({r.number for r in regions}):
        tree = ast.parse(skeletonize(text, number, path), path)
        inside = {node.lineno for fn in ast.walk(tree) if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef))
                  for node in ast.walk(fn) if isinstance(node, ast.Raise)}
        skeleton_lines = _skeleton_lines(regions, number)
        for region, line in zip([r for r in regions if r.number == number], skeleton_lines):
            if line not in inside:
                raise RegionError(f"{path}:{region.start + 1}: region {region.label} is not inside a function; "
                                  "its skeleton would fail at import, not when the learner's code is called")
    return regions


def _skeleton_lines(regions, number):
    """1-based line of each of module ``number``'s raises in its skeleton (each region shrinks to one line)."""
    lines, removed = [], 0
    for region in regions:
        if region.number == number:
            lines.append(region.start + 2 - removed)
            removed += region.end - region.start - 2
    return lines
