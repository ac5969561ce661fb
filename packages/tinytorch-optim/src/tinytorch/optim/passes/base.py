"""What every pass shares: the ``Pass`` base class and the ``PassContext`` it runs in.

A pass is a class with two methods (the ``tinytorch_register_passes`` contract):

* ``validate(options, model, info)`` runs before any training, on the model the config
  builds (untrained) and the dataset's ``info``; it raises ``ValueError`` for options
  that cannot work, so a typo costs a second, not a training run;
* ``apply(model, options, context) -> model`` runs after training and returns the
  optimized model (the same object changed in place, or a new one).

``Pass`` supplies the option bookkeeping: a subclass lists its options and their
defaults in ``defaults``, and ``options()`` fills the defaults in and refuses a name it
does not know, suggesting the nearest one.

Read next: ``quantize.py``, the simplest pass.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from tinytorch.core.names import check_options


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


@dataclass
class PassContext:
    """What a pass may use besides the model.

    ``finetune(model, epochs, loss_fn=None, train_loader=None)`` trains ``model`` for
    ``epochs`` more epochs with the config's optimizer and schedule (cross-entropy and
    the training data unless told otherwise). ``report`` is where the running pass
    writes what it measured (``{"sparsity": 0.8}``); ``apply_passes`` collects one
    report per pass into ``reports``.
    """

    train_loader: object = None
    test_loader: object = None
    info: dict = field(default_factory=dict)
    finetune: Callable = None
    config: dict = field(default_factory=dict)
    report: dict = field(default_factory=dict)
    reports: list = field(default_factory=list)


class Pass:
    """Base class: ``name``, ``defaults`` (every option and its default value), ``options()``."""

    name = "pass"
    defaults = {}

    def options(self, options):
        """``options`` over the defaults; ValueError naming the nearest option for an unknown one."""
        check_options(options, self.defaults, prefix=f"{self.name}: ")
        return {**self.defaults, **options}

    def expect(self, ok, key, expected, value):
        """Raise ``"<pass>: <key> must be <expected>, found <value>"`` unless ``ok``."""
        if not ok:
            raise ValueError(f"{self.name}: {key} must be {expected}, found {value!r}")

    def validate(self, options, model, info):
        self.options(options)

    def apply(self, model, options, context):
        raise NotImplementedError(f"pass {self.name!r} does not define apply()")
