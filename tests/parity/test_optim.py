"""tinytorch.torch.optim against PyTorch: every optimizer's updates and every schedule's rates.

Both sides start from the same float64 parameters and receive the same gradients (a fixed
function of the current parameters plus noise), so the trajectories must agree to
rounding, step after step. Schedules are compared rate by rate (and momentum by
momentum, for OneCycleLR).
"""

import inspect

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import tinytorch.torch as tt  # noqa: E402

OPTIMIZERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), weight_decay=0.1)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.5)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1)),
]


def _gradient(p, step, rng_seed=0):
    noise = np.random.default_rng((rng_seed, step)).standard_normal(p.shape)
    return p ** 3 - p + 0.1 * noise


def _trajectories(name, options, steps=25, groups=False):
    rng = np.random.default_rng(1)
    start = [rng.standard_normal((3, 4)), rng.standard_normal(5)]
    ours = [tt.tensor(a.copy(), requires_grad=True) for a in start]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    if groups:  # the second tensor in its own group with half the learning rate
        lr = options.get("lr", 1.0)
        ours_opt = getattr(tt.optim, name)([{"params": ours[:1]}, {"params": ours[1:], "lr": lr / 2}], **options)
        theirs_opt = getattr(torch.optim, name)([{"params": theirs[:1]}, {"params": theirs[1:], "lr": lr / 2}], **options)
    else:
        ours_opt, theirs_opt = getattr(tt.optim, name)(ours, **options), getattr(torch.optim, name)(theirs, **options)
    for step in range(steps):
        for i, (a, b) in enumerate(zip(ours, theirs)):
            g = _gradient(a.data, step, i)
            a.grad, b.grad = tt.tensor(g), torch.tensor(g)
        ours_opt.step()
        theirs_opt.step()
        for a, b in zip(ours, theirs):
            np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-12, atol=1e-12, err_msg=f"step {step}")


@pytest.mark.parametrize("name,options", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMIZERS)])
def test_optimizer_trajectories_match_pytorch(name, options):
    _trajectories(name, options)


@pytest.mark.parametrize("name", sorted({n for n, _ in OPTIMIZERS}))
def test_parameter_groups_keep_their_own_hyperparameters(name):
    _trajectories(name, dict(OPTIMIZERS[[n for n, _ in OPTIMIZERS].index(name)][1]), steps=10, groups=True)


@pytest.mark.parametrize("name", sorted({n for n, _ in OPTIMIZERS}))
def test_constructors_are_introspectable_with_pytorchs_names_and_defaults(name):
    ours = inspect.signature(getattr(tt.optim, name)).parameters
    theirs = inspect.signature(getattr(torch.optim, name)).parameters
    assert list(ours)[0] == "params"
    for key, param in ours.items():
        assert key in theirs, f"{name}({key}=) is not one of PyTorch's options"
        if key not in ("params", "lr") and param.default is not inspect.Parameter.empty:
            assert param.default == theirs[key].default, key


def test_zero_grad_set_to_none_false_keeps_zeroed_gradients():
    p = tt.tensor([1.0, 2.0], requires_grad=True)
    (p * p).sum().backward()
    opt = tt.optim.SGD([p], lr=0.1)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(p.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert p.grad is None


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("MultiStepLR", dict(milestones=[2, 5, 9], gamma=0.3)),
    ("LambdaLR", dict(lr_lambda=lambda t: 1 / (t + 1))),
    ("LinearLR", dict(start_factor=0.25, total_iters=6)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.1, total_iters=4)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=30)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=30, anneal_strategy="linear", three_phase=True)),
    ("OneCycleLR", dict(max_lr=0.3, epochs=3, steps_per_epoch=10, cycle_momentum=False, pct_start=0.4)),
]


@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
@pytest.mark.parametrize("name,options", SCHEDULES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULES)])
def test_schedules_set_pytorchs_rates(name, options, optimizer):
    def groups(lib):  # two groups, the second with its own lr
        a, b = lib.tensor([1.0], requires_grad=True), lib.tensor([2.0], requires_grad=True)
        return [{"params": [a]}, {"params": [b], "lr": 0.05}]

    extra = dict(momentum=0.9) if optimizer == "SGD" else {}
    ours_opt = getattr(tt.optim, optimizer)(groups(tt), lr=0.1, **extra)
    theirs_opt = getattr(torch.optim, optimizer)(groups(torch), lr=0.1, **extra)
    ours_s = getattr(tt.optim.lr_scheduler, name)(ours_opt, **options)
    theirs_s = getattr(torch.optim.lr_scheduler, name)(theirs_opt, **options)
    for step in range(29):
        for a, b in zip(ours_opt.param_groups, theirs_opt.param_groups):
            assert a["lr"] == pytest.approx(b["lr"], rel=1e-12, abs=1e-15), f"lr at step {step}"
            for key in ("momentum", "betas"):
                if key in b:
                    assert np.allclose(a[key], b[key], rtol=1e-12), f"{key} at step {step}"
        assert ours_s.get_last_lr() == pytest.approx(theirs_s.get_last_lr(), rel=1e-12)
        theirs_opt.step()
        ours_s.step()
        theirs_s.step()
