"""The distill pass: the loss against a hand computation and finite differences, students, errors."""

import types

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.core import Tensor, hookimpl, plugins
from tinytorch.core.testing import gradcheck
from tinytorch.optim.passes import Distill, PassContext, distillation_loss
from tinytorch.optim.passes.distill import SoftTargets, WithTeacher


def log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def by_hand(student, teacher, labels, T, alpha):
    p = np.exp(log_softmax(teacher / T))
    kl = (p * (np.log(p) - log_softmax(student / T))).sum(axis=-1).mean()
    ce = -log_softmax(student)[np.arange(len(labels)), labels].mean()
    return alpha * T * T * kl + (1 - alpha) * ce


@pytest.mark.parametrize("T, alpha", [(1.0, 0.5), (4.0, 0.7), (2.5, 0.0), (3.0, 1.0)])
def test_loss_matches_the_formula_computed_by_hand(T, alpha):
    rng = np.random.default_rng(0)
    student, teacher = rng.standard_normal((2, 5, 4)) * 3
    labels = rng.integers(0, 4, 5)
    loss = distillation_loss(Tensor(student), teacher, labels, T, alpha)
    assert loss.item() == pytest.approx(by_hand(student, teacher, labels, T, alpha), rel=1e-9)


def test_the_soft_term_is_zero_when_the_student_matches_the_teacher():
    logits = np.random.default_rng(1).standard_normal((3, 6))
    loss = distillation_loss(Tensor(logits), logits, np.zeros(3, dtype=int), temperature=5.0, alpha=1.0)
    assert abs(loss.item()) < 1e-12


@pytest.mark.parametrize("T, alpha", [(1.0, 0.3), (4.0, 0.7)])
def test_gradient_matches_finite_differences(T, alpha):
    rng = np.random.default_rng(2)
    student = Tensor(rng.standard_normal((4, 5)), requires_grad=True)
    teacher, labels = rng.standard_normal((4, 5)) * 2, rng.integers(0, 5, 4)
    gradcheck(lambda: distillation_loss(student, teacher, labels, T, alpha).reshape(1), [student])


# -- the pass -------------------------------------------------------------------------------


def mlp(hidden):
    layers, width = [], 8
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU()]
        width = size
    return nn.Sequential(*layers, nn.Linear(width, 3))


@pytest.fixture
def models():
    """A ``tiny-mlp`` model registered by a local plugin, as the bench's ``mlp`` would be."""
    plugin = types.ModuleType("tiny_models")

    @hookimpl
    def tinytorch_register_models(register):
        register("tiny-mlp", lambda info, hidden=(4,): mlp(hidden))

    plugin.tinytorch_register_models = tinytorch_register_models
    plugins.reset()
    plugins.host().register(plugin, dist="tests")
    yield
    plugins.reset()


def test_student_larger_than_teacher_is_refused(models):
    with pytest.raises(ValueError, match=r"student \(.* parameters\) is larger than the teacher"):
        Distill().validate({"student": {"name": "tiny-mlp", "hidden": [64]}}, mlp([4]), {})
    Distill().validate({"student": {"name": "tiny-mlp", "hidden": [2]}}, mlp([16]), {})


@pytest.mark.parametrize("options, message", [
    ({"student": {"name": "tiny-mpl"}}, "distill: student: unknown model 'tiny-mpl'.*did you mean 'tiny-mlp'"),
    ({"student": {"name": "tiny-mlp", "hiden": [2]}}, "distill: student: .*hiden"),
    ({"student": "tiny-mlp"}, "student must be a model config such as"),
    ({}, "student must be a model config"),
    ({"student": {"name": "tiny-mlp"}, "temperature": 0}, "temperature must be a number > 0"),
    ({"student": {"name": "tiny-mlp"}, "alpha": 1.5}, r"alpha must be a weight in \[0, 1\]"),
    ({"student": {"name": "tiny-mlp"}, "epochs": 0}, "epochs must be a positive integer"),
    ({"student": {"name": "tiny-mlp"}, "temprature": 2}, "did you mean 'temperature'"),
])
def test_bad_options_are_refused_with_a_clear_message(models, options, message):
    with pytest.raises(ValueError, match=message):
        Distill().validate(options, mlp([16]), {})


def test_apply_trains_the_student_on_the_teachers_soft_targets(models):
    rng = np.random.default_rng(3)
    teacher = mlp([16])
    batches = [(Tensor(rng.standard_normal((5, 8)).astype(np.float32)), Tensor(rng.integers(0, 3, 5)))
               for _ in range(2)]
    seen = []

    def finetune(model, epochs, loss_fn=None, train_loader=None):
        for x, targets in train_loader:
            assert isinstance(targets, SoftTargets) and len(targets) == 5
            np.testing.assert_array_equal(targets.teacher_logits, teacher(x).data)
            seen.append(loss_fn(model(x), targets).item())

    context = PassContext(train_loader=batches, finetune=finetune)
    student = Distill().apply(teacher, {"student": {"name": "tiny-mlp", "hidden": [2]}, "epochs": 3}, context)
    assert isinstance(student, nn.Sequential) and student[0].out_features == 2
    assert len(seen) == 2 and all(np.isfinite(seen))
    assert context.report["student_parameters"] < context.report["teacher_parameters"]


def test_with_teacher_keeps_the_loader_length():
    assert len(WithTeacher([1, 2, 3], teacher=None)) == 3
