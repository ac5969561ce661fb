"""Dimensions: how an ``axis``/``dim`` argument is read, once, for every op.

PyTorch says ``dim=`` and ``keepdim=``; NumPy says ``axis=`` and ``keepdims=``. TinyTorch
accepts either spelling wherever one is accepted, so code written for either library
reads right. A dimension may count from the end (``-1`` is the last); one outside
``[-ndim, ndim)`` raises ``IndexError``, as in NumPy and PyTorch: wrapping it around
(``5 % 2``) would quietly reduce over the wrong axis.

Read next: ``reduce.py`` and ``shape.py``, which call these helpers.
"""


def pick(op, dim, axis, default=None):
    """The dimension given as ``dim`` (PyTorch) or ``axis`` (NumPy); refuse two different ones."""
    if axis is None:
        return default if dim is None else dim
    if dim is not None and dim != axis:
        raise TypeError(f"{op}: got dim={dim!r} and axis={axis!r}; pass one of them")
    return axis


def pick_keep(op, keepdim, keepdims):
    """``keepdim`` (PyTorch) or ``keepdims`` (NumPy); ``False`` unless one is true."""
    if keepdims is None:
        return bool(keepdim)
    if keepdim and not keepdims:
        raise TypeError(f"{op}: got keepdim={keepdim!r} and keepdims={keepdims!r}; pass one of them")
    return bool(keepdims)


def normalize(dim, ndim, op="dim"):
    """``dim`` as an index in ``range(ndim)``; a 0-d tensor accepts ``0`` and ``-1``, as in PyTorch."""
    if dim.__class__ is int and -ndim <= dim < ndim:  # the common case, first: this runs on every op
        return dim + ndim if dim < 0 else dim
    if not isinstance(dim, int) or isinstance(dim, bool):
        dim = _as_int(dim, op)
    bound = max(ndim, 1)
    if not -bound <= dim < bound:
        raise IndexError(
            f"{op}: dimension {dim} is out of range for a tensor with {ndim} dimension(s) "
            f"(expected a value in [{-bound}, {bound - 1}])"
        )
    return dim % bound if ndim else 0


def normalize_all(dims, ndim, op="dim"):
    """A tuple of distinct dimensions; ``None`` means all of them."""
    if dims is None:
        return tuple(range(ndim))
    if not isinstance(dims, (tuple, list)):
        return (normalize(dims, ndim, op),) if ndim else ()
    out = tuple([normalize(d, ndim, op) for d in dims])  # a list comprehension: no generator per call
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dimension repeated in {tuple(dims)}")
    return out if ndim else ()


def _as_int(dim, op):
    """Accept NumPy integers and 0-d integer tensors (anything with ``__index__``)."""
    try:
        return dim.__index__()
    except (AttributeError, TypeError):
        raise TypeError(f"{op}: a dimension must be an integer, not {dim!r}") from None
