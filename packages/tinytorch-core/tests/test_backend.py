import numpy as np
import pytest

from tinytorch.core import Backend, MissingKernelError, Tensor, UnknownNameError, get_backend, plugins, use_backend
from tinytorch.core import backend as backend_module


def test_use_backend_as_call_and_context_manager():
    start = get_backend()
    with use_backend("vectorized") as be:
        assert be is get_backend() and be.name == "vectorized"
    assert get_backend() is start
    use_backend("vectorized")
    assert get_backend().name == "vectorized"


def test_unknown_backend_lists_installed_and_nearest():
    expected = r"unknown backend 'vectorised'; installed backends: .*vectorized.*did you mean 'vectorized'\?"
    with pytest.raises(UnknownNameError, match=expected):
        use_backend("vectorised")


def test_env_var_chooses_the_default(monkeypatch):
    monkeypatch.setenv("TINYTORCH_BACKEND", "nope")
    monkeypatch.setattr(backend_module, "active", backend_module._Unresolved())
    with pytest.raises(UnknownNameError, match="unknown backend 'nope'"):
        Tensor([1.0]) + 1
    monkeypatch.setenv("TINYTORCH_BACKEND", "vectorized")
    assert (Tensor([1.0]) + 1).item() == 2.0
    assert get_backend().name == "vectorized"


class HalfBackend(Backend):
    """Has only add: any other kernel must fail with a readable error."""

    add = staticmethod(np.add)


def test_missing_kernel_names_backend_and_kernel():
    host = plugins.PluginHost(entry_points=[])

    class Module:
        @staticmethod
        def tinytorch_register_backends(register):
            register("half", HalfBackend)

    Module.tinytorch_register_backends = plugins_hookimpl(Module.tinytorch_register_backends)
    host.register(Module, dist="half-dist")
    old = plugins._host
    plugins.reset(host)
    try:
        with use_backend("half"):
            assert (Tensor([1.0]) + 1).item() == 2.0
            with pytest.raises(MissingKernelError, match="backend 'half' does not implement the kernel 'matmul'"):
                Tensor(np.ones((2, 2))) @ Tensor(np.ones((2, 2)))
    finally:
        plugins.reset(old)
        backend_module._instances.pop("half", None)


def plugins_hookimpl(function):
    from tinytorch.core import hookimpl

    return hookimpl(function)
