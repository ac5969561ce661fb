"""SGD, Adam and AdamW: known values, PyTorch trajectories, parameter groups, state dicts."""

import numpy as np
import pytest

import tinytorch.optim as optim
from tinytorch import nn
from tinytorch.core import Tensor

# ---------------------------------------------------------------- known values
# Loss 0.5 * p**2 from p = 1, so the gradient is p itself; two steps, worked by hand.
KNOWN = [
    # plain: p1 = 1 - 0.1 * 1 = 0.9, p2 = 0.9 - 0.1 * 0.9 = 0.81
    (optim.SGD, dict(lr=0.1), [0.9, 0.81]),
    # momentum: buf1 = 1, p1 = 0.9; buf2 = 0.9 * 1 + 0.9 = 1.8, p2 = 0.9 - 0.18
    (optim.SGD, dict(lr=0.1, momentum=0.9), [0.9, 0.72]),
    # dampening: buf1 = 1 (no dampening on the first step); buf2 = 0.9 + 0.5 * 0.9 = 1.35
    (optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.5), [0.9, 0.765]),
    # nesterov: g1 = 1 + 0.9 * 1 = 1.9, p1 = 0.81; buf2 = 0.9 + 0.81 = 1.71,
    # g2 = 0.81 + 0.9 * 1.71 = 2.349, p2 = 0.81 - 0.2349
    (optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True), [0.81, 0.5751]),
    # L2: g = 1.1 p, so p shrinks by 0.89 each step
    (optim.SGD, dict(lr=0.1, weight_decay=0.1), [0.89, 0.7921]),
    # Adam: m1 = 0.1, v1 = 0.001, bias-corrected both 1, so p1 = 1 - 0.1 / (1 + 1e-8).
    # m2 = 0.09 + 0.09 = 0.18 -> 0.18 / 0.19; v2 = 0.000999 + 0.00081 = 0.001809 -> / 0.001999;
    # p2 = p1 - 0.1 * (0.18 / 0.19) / sqrt(0.001809 / 0.001999)
    (optim.Adam, dict(lr=0.1), [0.900000001, 0.80041222971]),
    # AdamW: p1 = 1 * (1 - 0.01) - 0.1 = 0.89; g2 = 0.89, p2 = 0.89 * 0.99 - 0.1 * m2hat / sqrt(v2hat)
    # with m2 = 0.09 + 0.089 = 0.179, v2 = 0.000999 + 0.0007921 = 0.0017911
    (optim.AdamW, dict(lr=0.1, weight_decay=0.1), [0.890000001, 0.78157185695]),
    # Adam with L2: g = 1.1 p; p1 = 1 - 0.1 (bias-corrected m / sqrt(v) is 1 on step one)
    (optim.Adam, dict(lr=0.1, weight_decay=0.1), [0.90000000091, 0.80041222953]),
]


@pytest.mark.parametrize("cls, options, expected", KNOWN)
def test_first_two_steps_match_hand_computed_values(cls, options, expected):
    p = Tensor(np.array([1.0]), requires_grad=True)
    opt = cls([p], **options)
    for want in expected:
        opt.zero_grad()
        (p * p * 0.5).sum().backward()
        opt.step()
        assert p.data[0] == pytest.approx(want, abs=1e-10)


# ---------------------------------------------------------------- against PyTorch
def _least_squares(rng):
    x, y = rng.normal(size=(8, 3)), rng.normal(size=8)
    return x, y, rng.normal(size=3), np.array([0.5])


def _tinytorch_trajectory(make, problem, steps=20):
    x, y, w0, b0 = problem
    w, b = Tensor(w0.copy(), requires_grad=True), Tensor(b0.copy(), requires_grad=True)
    opt, path = make([w, b]), []
    for _ in range(steps):
        opt.zero_grad()
        (((Tensor(x) @ w + b) - Tensor(y)) ** 2).mean().backward()
        opt.step()
        path.append(np.concatenate([w.data, b.data]))
    return np.array(path)


TORCH_CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.05)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    ("AdamW", dict(lr=0.1)),
    ("AdamW", dict(lr=0.05, betas=(0.8, 0.99), weight_decay=0.3)),
]


@pytest.mark.parametrize("name, options", TORCH_CASES)
def test_twenty_steps_match_pytorch(name, options):
    torch = pytest.importorskip("torch")
    problem = _least_squares(np.random.default_rng(0))
    x, y, w0, b0 = problem
    w, b = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    opt, expected = getattr(torch.optim, name)([w, b], **options), []
    for _ in range(20):
        opt.zero_grad()
        (((torch.tensor(x) @ w + b) - torch.tensor(y)) ** 2).mean().backward()
        opt.step()
        expected.append(np.concatenate([w.detach().numpy(), b.detach().numpy()]))
    ours = _tinytorch_trajectory(lambda ps: getattr(optim, name)(ps, **options), problem)
    np.testing.assert_allclose(ours, np.array(expected), rtol=1e-12, atol=1e-12)


def test_float32_parameters_stay_float32():
    p = Tensor(np.ones(3, np.float32), requires_grad=True)
    opt = optim.AdamW([p], lr=0.1, weight_decay=0.1)
    (p * p).sum().backward()
    opt.step()
    assert p.data.dtype == np.float32 and opt.state[p]["exp_avg"].dtype == np.float32


# ---------------------------------------------------------------- the shared loop
def test_parameters_without_grad_are_skipped_and_zero_grad_clears():
    a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.SGD([a, b], lr=0.5)
    (a * 2).sum().backward()
    opt.step()
    assert a.data[0] == 0.0 and b.data[0] == 1.0 and b not in opt.state
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_step_does_not_touch_the_gradient():
    p = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = optim.Adam([p], lr=0.1, weight_decay=0.5)
    (p * p).sum().backward()
    opt.step()
    np.testing.assert_array_equal(p.grad.data, [2.0, 4.0])


def test_parameter_groups_use_their_own_lr():
    a, b = Tensor([1.0], requires_grad=True), Tensor([1.0], requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1)
    (a + b).sum().backward()
    opt.step()
    assert a.data[0] == pytest.approx(0.9) and b.data[0] == pytest.approx(0.99)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.01]


def test_model_parameters_work_as_params():
    model = nn.Linear(3, 2)
    opt = optim.SGD(model.parameters(), lr=0.1)
    assert len(opt.param_groups[0]["params"]) == 2


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "invalid lr: -0.1"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "invalid momentum: -1"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-0.5), "invalid weight_decay: -0.5"),
    (lambda p: optim.SGD(p, lr=0.1, nesterov=True), "Nesterov momentum needs momentum > 0"),
    (lambda p: optim.Adam(p, betas=(0.9, 1.0)), "invalid beta at index 1: 1.0"),
    (lambda p: optim.Adam(p, betas=(-0.1, 0.9)), "invalid beta at index 0: -0.1"),
    (lambda p: optim.AdamW(p, weight_decay=-1e-2), "invalid weight_decay: -0.01"),
    (lambda p: optim.Adam(p, lr=float("nan")), "invalid lr: nan"),
    (lambda p: optim.SGD([{"params": p, "lr": -1}], lr=0.1), "invalid lr: -1"),
    (lambda p: optim.SGD([{"params": p, "momentun": 0.9}], lr=0.1), "did you mean 'momentum'"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD([{"params": p}, {"params": p}], lr=0.1), "more than once"),
])
def test_invalid_options_are_rejected(make, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        make([Tensor([1.0], requires_grad=True)])


def test_a_single_tensor_is_not_an_iterable_of_params():
    with pytest.raises(TypeError, match="wrap it in a list"):
        optim.SGD(Tensor([1.0], requires_grad=True), lr=0.1)


# ---------------------------------------------------------------- state dicts
def _train(opt, params, steps):
    for _ in range(steps):
        opt.zero_grad()
        sum(((p - 3.0) ** 2).sum() for p in params).backward()
        opt.step()


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD([{"params": ps[:1]}, {"params": ps[1:], "lr": 0.05}], lr=0.1, momentum=0.9),
    lambda ps: optim.Adam([{"params": ps[:1]}, {"params": ps[1:], "betas": (0.5, 0.9)}], lr=0.1),
    lambda ps: optim.AdamW(ps, lr=0.1),
])
def test_state_dict_round_trip_through_npz_continues_identically(make, tmp_path):
    def fresh():
        return [Tensor(np.array(values, np.float32), requires_grad=True) for values in ([1.0, -1.0], [2.0])]

    reference = fresh()
    ref_opt = make(reference)
    _train(ref_opt, reference, 6)

    first = fresh()
    opt = make(first)
    _train(opt, first, 3)
    nn.save({f"opt/{k}": v for k, v in opt.state_dict().items()}, tmp_path / "opt.npz")
    loaded = {k[4:]: v for k, v in nn.load(tmp_path / "opt.npz").items()}

    second = [Tensor(p.data.copy(), requires_grad=True) for p in first]
    resumed = make(second)
    resumed.load_state_dict(loaded)
    assert resumed.state_dict().keys() == opt.state_dict().keys()
    for group, saved in zip(resumed.param_groups, opt.param_groups, strict=True):
        assert {k: v for k, v in group.items() if k != "params"} == {k: v for k, v in saved.items() if k != "params"}
    _train(resumed, second, 3)
    for got, want in zip(second, reference, strict=True):
        np.testing.assert_array_equal(got.data, want.data)


def test_state_dict_is_flat_and_a_copy():
    p = Tensor([1.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    _train(opt, [p], 1)
    state = opt.state_dict()
    assert state["param_groups.0.lr"] == 0.1 and state["state.0.step"] == 1
    state["state.0.exp_avg"][...] = 99
    assert opt.state[p]["exp_avg"][0] != 99


def test_load_state_dict_rejects_a_different_layout():
    p, q = Tensor([1.0], requires_grad=True), Tensor([1.0, 2.0], requires_grad=True)
    opt = optim.Adam([p], lr=0.1)
    _train(opt, [p], 1)
    with pytest.raises(ValueError, match=r"saved state has 1 parameter group\(s\) but this optimizer has 2"):
        optim.Adam([{"params": [p]}, {"params": [q]}]).load_state_dict(opt.state_dict())
    other = optim.Adam([q], lr=0.5)
    with pytest.raises(ValueError, match=r"shape \(1,\), but parameter 0 has shape \(2,\)"):
        other.load_state_dict(opt.state_dict())
    assert other.param_groups[0]["lr"] == 0.5 and other.state == {}  # left as it was
