"""Scratch buffers: temporaries a kernel reuses from one call to the next.

Allocating a big array is not free: fresh memory from the operating system is
page-faulted in on first touch, and every temporary is one more trip through RAM. A
kernel that needs a temporary of the same shape on every training step can keep one.

The rule that keeps this safe: a scratch buffer never leaves the kernel that asked for
it. It holds intermediate values that are consumed before the kernel returns, never an
output or anything saved for backward, because the next call with the same shape
overwrites it. Outputs and gradients handed to autograd are always fresh arrays.

Buffers are keyed by (slot, shape, dtype); the slot names the use, so two temporaries
of one shape inside one kernel never collide. The cache is small and forgets the least
recently used buffer, so a shape seen once (say, the growing key length of a KV cache)
does not pin memory forever. A backend holding one is not thread-safe.

Read next: ``backend.py``, whose kernels use it.
"""

import numpy as np


class Scratch:
    def __init__(self, capacity=32):
        self.capacity = capacity
        self._buffers = {}

    def get(self, slot, shape, dtype):
        """An uninitialised array of ``shape`` and ``dtype``, reused across calls."""
        key = (slot, tuple(shape), np.dtype(dtype))
        buffer = self._buffers.pop(key, None)
        if buffer is None:
            buffer = np.empty(shape, dtype=dtype)
            if len(self._buffers) >= self.capacity:
                del self._buffers[next(iter(self._buffers))]  # dicts keep insertion order
        self._buffers[key] = buffer  # most recently used goes last
        return buffer

    def clear(self):
        self._buffers.clear()
