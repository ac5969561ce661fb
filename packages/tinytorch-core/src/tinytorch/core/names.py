"""Spelling help for names: the nearest valid one, and the messages built around it.

A misspelt name is the commonest mistake in a config or a call (``adma``, ``sparsty``,
``vectorised``). Every place that refuses a name says what the valid ones are and, when
one is close, ``did you mean 'adam'?``. This module writes that sentence once:

- ``nearest(name, candidates)``: the closest candidate, or None (``difflib``'s ratio);
- ``did_you_mean(name, candidates)``: ``"; did you mean 'adam'?"`` or ``""``, to append;
- ``unknown_option(key, valid, owner)``: the whole "unknown option" message, and
  ``check_options(options, valid, owner)`` raising it for the first unknown key.

Read next: ``plugins.py``, whose unknown-name errors are built from these.
"""

import difflib

__all__ = ["check_options", "did_you_mean", "nearest", "unknown_option"]


def nearest(name, candidates):
    """The candidate closest to ``name`` (at least half alike), or None."""
    matches = difflib.get_close_matches(str(name), [str(c) for c in candidates], n=1, cutoff=0.5)
    return matches[0] if matches else None


def did_you_mean(name, candidates):
    """``"; did you mean 'train'?"`` when a candidate is close to ``name``, else ``""``."""
    if not isinstance(name, str):
        return ""
    close = nearest(name, candidates)
    return f"; did you mean {close!r}?" if close else ""


def unknown_option(key, valid, owner=None):
    """``"unknown option 'lrr' for Adam; expected one of: lr, betas; did you mean 'lr'?"``.

    Without ``owner`` the ``for ...`` is left out (the caller's prefix names it)."""
    valid = [str(v) for v in valid]
    return (
        f"unknown option {key!r}{f' for {owner}' if owner else ''}; expected one of: "
        f"{', '.join(valid) or '(none)'}{did_you_mean(key, valid)}"
    )


def check_options(options, valid, owner=None, prefix=""):
    """Raise ValueError(``prefix`` + ``unknown_option(...)``) for the first key not in ``valid``."""
    for key in options:
        if key not in valid:
            raise ValueError(prefix + unknown_option(key, valid, owner))
