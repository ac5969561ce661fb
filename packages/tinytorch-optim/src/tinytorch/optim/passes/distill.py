"""Distill: train a small student to imitate the trained teacher (Hinton et al., 2015).

A label says only "this is a 3". The teacher's output says more: "a 3, somewhat like
an 8, nothing like a 1". Those relative probabilities of the wrong classes ("dark
knowledge") are what a student learns from. Softening both distributions with a
temperature ``T > 1`` brings the small probabilities up where the loss can see them:

    loss = alpha * T^2 * KL(softmax(teacher / T) || softmax(student / T))
         + (1 - alpha) * cross_entropy(student, labels)

The ``T^2`` keeps the soft term's gradients the same size whatever ``T`` is (the
softened logits' gradients shrink like ``1 / T^2``), so ``alpha`` alone sets the mix.

A GPT distils the same way: its logits are (batch, time, vocabulary), one next-token
distribution per position, and the loss averages over every position; the student is
a smaller GPT (fewer layers, a narrower ``d_model``) on the same vocabulary.

The student's architecture comes from the config, like any model:

    passes:
      - {name: distill, student: {name: mlp, hidden: [32]}, temperature: 4, alpha: 0.7, epochs: 5}

Training reuses the Trainer through ``context.finetune``: only the loss changes, and
each batch's labels travel with the teacher's logits for that batch.

Read next: ``kv_cache.py``.
"""

from dataclasses import dataclass

import numpy as np

from tinytorch.core import Tensor, UnknownNameError, no_grad, plugins
from tinytorch.nn import functional as F

from .base import Pass, is_int, is_number


def distillation_loss(student_logits, teacher_logits, targets, temperature=4.0, alpha=0.7):
    """``alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, targets)``, batch mean.

    ``teacher_logits`` is a constant (an array or Tensor; no gradient flows into it).
    """
    # region 18 compression: softened teacher p and student log q at temperature T; KL(p || q) * alpha * T^2 + (1 - alpha) * CE
    T = float(temperature)
    t = np.asarray(teacher_logits.data if isinstance(teacher_logits, Tensor) else teacher_logits)
    z = t / T - (t / T).max(axis=-1, keepdims=True)
    log_p = (z - np.log(np.exp(z).sum(axis=-1, keepdims=True))).astype(student_logits.dtype)
    p = np.exp(log_p)
    log_q = F.log_softmax(student_logits * (1.0 / T), axis=-1)
    # KL(p || q) = H(p, q) - H(p). H(p) is a constant, but keeps KL = 0 at a perfect match.
    cross_entropy = -(log_q * p).sum(axis=-1).mean()
    entropy = -float((p * log_p).sum(axis=-1).mean())
    kl = cross_entropy - entropy
    return kl * (alpha * T * T) + F.cross_entropy(student_logits, targets) * (1.0 - alpha)
    # endregion


@dataclass
class SoftTargets:
    """A batch's labels and the teacher's logits for it (``len`` is the batch size)."""

    labels: Tensor
    teacher_logits: np.ndarray

    def __len__(self):
        return len(self.labels)


class WithTeacher:
    """``loader``'s batches ``(x, y)`` as ``(x, SoftTargets(y, teacher(x)))``."""

    def __init__(self, loader, teacher):
        self.loader, self.teacher = loader, teacher

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for x, y in self.loader:
            with no_grad():
                logits = self.teacher(x).data
            yield x, SoftTargets(y, logits)


def build_student(spec, info):
    """The model ``spec`` (``{name: mlp, hidden: [32]}``) describes, or ValueError saying why not."""
    if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
        raise ValueError(
            f"distill: student must be a model config such as {{name: mlp, hidden: [32]}}, found {spec!r}"
        )
    options = {key: value for key, value in spec.items() if key != "name"}
    try:
        return plugins.lookup("models", spec["name"])(info, **options)
    except (UnknownNameError, TypeError, ValueError) as error:
        raise ValueError(f"distill: student: {error}") from None


class Distill(Pass):
    """``{name: distill, student: {name: ..., ...}, temperature: 4, alpha: 0.7, epochs: 5}``."""

    name = "distill"
    defaults = {"student": None, "temperature": 4.0, "alpha": 0.7, "epochs": 5}

    def validate(self, options, model, info):
        o = self.options(options)
        T, alpha, epochs = o["temperature"], o["alpha"], o["epochs"]
        self.expect(is_number(T) and T > 0, "temperature", "a number > 0 (typically 2 to 10)", T)
        self.expect(is_number(alpha) and 0 <= alpha <= 1, "alpha",
                    "a weight in [0, 1] for the teacher's soft targets", alpha)
        self.expect(is_int(epochs) and epochs > 0, "epochs", "a positive integer", epochs)
        student = build_student(o["student"], info)
        if callable(getattr(model, "new_cache", None)) != callable(getattr(student, "new_cache", None)):
            raise ValueError(
                f"distill: the student ({type(student).__name__}) must be the same kind of model as the "
                f"teacher ({type(model).__name__}): a language model learns from a language model's "
                f"next-token logits, a classifier from a classifier's"
            )
        if student.num_parameters() > model.num_parameters():
            raise ValueError(
                f"distill: the student ({student.num_parameters():,} parameters) is larger than the "
                f"teacher ({model.num_parameters():,}); distillation trains a smaller model, so "
                f"choose a smaller student"
            )

    def apply(self, model, options, context):
        o = self.options(options)
        student = build_student(o["student"], context.info)
        T, alpha = o["temperature"], o["alpha"]

        def loss_fn(logits, targets):
            return distillation_loss(logits, targets.teacher_logits, targets.labels, T, alpha)

        was_training = model.training
        model.eval()  # the teacher answers without dropout
        try:
            context.finetune(student, o["epochs"], loss_fn=loss_fn,
                             train_loader=WithTeacher(context.train_loader, model))
        finally:
            model.train(was_training)
        context.report.update(
            teacher_parameters=model.num_parameters(), student_parameters=student.num_parameters(),
            epochs=o["epochs"],
        )
        return student
