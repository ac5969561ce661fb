"""Trainer: the training loop written once, with checkpoints, exact resume and a NaN guard.

    trainer = Trainer(model, Adam(model.parameters()), nn.CrossEntropyLoss(), train_loader, val_loader)
    history = trainer.fit(epochs=10)   # one metrics dict per epoch

An epoch is: for each batch, forward, loss, backward, clip (if asked), step; then measure
the validation loss and accuracy, write a checkpoint, and tell the plugins.

**Checkpoints resume exactly.** A checkpoint is one ``.npz`` holding everything the next
epoch depends on: the weights, the optimizer's state, the schedule's position, the
loaders' epoch counters (a seeded DataLoader shuffles epoch ``e`` from ``(seed, e)``),
the state of ``tinytorch.nn``'s random generator (dropout masks) and the history. So a
run stopped after epoch 3 and resumed ends with the same bits as one that never stopped.
Keys are namespaced (``model/fc.weight``, ``optimizer/state.0.exp_avg``, ...) and values
are plain arrays: no pickle. ``nn.save`` writes it atomically.

**Divergence stops at once.** A batch loss that is NaN or infinite raises
``TrainingDiverged`` before that batch can touch the weights; the checkpoint on disk is
still the last good epoch's, and the message says where it is.

**Plugins and progress are observers.** After each epoch every ``tinytorch_epoch_end``
hook gets the metrics; one that raises is reported once and training goes on. A
``progress`` object (``start_epoch``, ``advance``, ``end_epoch``) draws a progress bar;
this package never imports one, so ``tt`` passes its rich bar and tests pass nothing.

Read next: ``tinytorch.bench``'s runner, which builds a Trainer from a config.
"""

import json
import math
import time

from tinytorch import nn
from tinytorch.core import no_grad, plugins

from .clip import clip_grad_norm_
from .optimizer import to_python

METRICS = ("accuracy", None)


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; ``epoch``, ``batch``, ``loss`` and ``checkpoint`` say where."""

    def __init__(self, message, epoch, batch, loss, checkpoint):
        super().__init__(message)
        self.epoch, self.batch, self.loss, self.checkpoint = epoch, batch, loss, checkpoint


class Trainer:
    """Train ``model`` with ``optimizer`` on ``loss_fn(model(x), y)`` over ``train_loader``'s ``(x, y)``."""

    def __init__(self, model, optimizer, loss_fn, train_loader, val_loader=None, scheduler=None,
                 clip_grad_norm=None, checkpoint_path=None, run=None, progress=None, metric="accuracy",
                 checkpoint_meta=None):
        if metric not in METRICS:
            raise ValueError(f"metric must be one of {METRICS}, found {metric!r}")
        self.model, self.optimizer, self.loss_fn = model, optimizer, loss_fn
        self.train_loader, self.val_loader, self.scheduler = train_loader, val_loader, scheduler
        self.clip_grad_norm, self.checkpoint_path = clip_grad_norm, checkpoint_path
        self.run, self.progress, self.metric = run, progress, metric
        # Strings saved in every checkpoint under meta/ (the runner keeps the config there,
        # so a resume can check it continues the same experiment).
        self.checkpoint_meta = dict(checkpoint_meta or {})
        self.epoch = 0  # epochs completed
        self.history = []
        self._last_checkpoint = None  # the newest checkpoint written or resumed from

    # ------------------------------------------------------------------ training
    def fit(self, epochs, resume_from=None):
        """Train until ``epochs`` epochs are done in all (a resumed run continues); return the history."""
        if resume_from is not None:
            self.resume(resume_from)
        for epoch in range(self.epoch + 1, epochs + 1):
            start = time.perf_counter()
            train_loss, lr = self._train_epoch(epoch, epochs)
            metrics = {"epoch": epoch, "train_loss": train_loss}
            if self.val_loader is not None:
                metrics.update({f"val_{k}": v for k, v in self.evaluate(self.val_loader).items()})
            metrics.update(lr=lr, seconds=time.perf_counter() - start)
            if self.scheduler is not None and self.scheduler.interval == "epoch":
                self.scheduler.step()
            self.history.append(metrics)
            self.epoch = epoch
            if self.checkpoint_path is not None:
                self.save_checkpoint(self.checkpoint_path)
            if self.progress is not None:
                self.progress.end_epoch(metrics)
            self._call_epoch_end_hooks(epoch, metrics)
        return self.history

    def _train_epoch(self, epoch, epochs):
        """One pass over the training data; returns the mean loss per example and the last lr."""
        self.model.train()
        batches = len(self.train_loader) if hasattr(self.train_loader, "__len__") else None
        if self.progress is not None:
            self.progress.start_epoch(epoch, epochs, batches)
        parameters = [p for group in self.optimizer.param_groups for p in group["params"]]
        per_step = self.scheduler is not None and self.scheduler.interval == "step"
        total, count, lr = 0.0, 0, self.optimizer.param_groups[0]["lr"]
        for batch, (x, y) in enumerate(self.train_loader, 1):
            # region 07 training: forward, loss, stop if not finite, zero_grad, backward, clip, step; sum loss * batch size
            loss = self.loss_fn(self.model(x), y)
            value = loss.item()
            if not math.isfinite(value):
                raise self._diverged(epoch, batch, batches, value)
            self.optimizer.zero_grad()
            loss.backward()
            if self.clip_grad_norm is not None:
                clip_grad_norm_(parameters, self.clip_grad_norm)
            lr = self.optimizer.param_groups[0]["lr"]
            self.optimizer.step()
            if per_step:
                self.scheduler.step()
            total, count = total + value * len(y), count + len(y)
            # endregion
            if self.progress is not None:
                self.progress.advance(value)
        if count == 0:
            raise ValueError("the training loader yielded no batches; is its dataset empty, or drop_last too strict?")
        return total / count, lr

    def _diverged(self, epoch, batch, batches, value):
        where = f"epoch {epoch}, batch {batch}" + (f" of {batches}" if batches else "")
        if self._last_checkpoint is not None:
            saved = (f"the last good checkpoint is {self._last_checkpoint} (after epoch {self.epoch}); "
                     f"resume from it with a lower learning rate or clip_grad_norm set")
        elif self.checkpoint_path is not None:
            saved = f"no checkpoint was written yet (the first would have been {self.checkpoint_path})"
        else:
            saved = "no checkpoint was kept (pass checkpoint_path= to keep one)"
        return TrainingDiverged(
            f"training diverged at {where}: the loss is {value}; {saved}",
            epoch, batch, value, self._last_checkpoint,
        )

    @no_grad()
    def evaluate(self, loader):
        """Mean loss (and accuracy, if ``metric="accuracy"``) over ``loader``, in eval mode."""
        was_training = self.model.training
        self.model.eval()
        loss, examples, correct, targets = 0.0, 0, 0, 0
        try:
            for x, y in loader:
                out = self.model(x)
                loss += self.loss_fn(out, y).item() * len(y)
                examples += len(y)
                if self.metric == "accuracy":
                    correct += count_correct(out.data, y.data)
                    targets += y.data.size
        finally:
            self.model.train(was_training)
        if examples == 0:
            raise ValueError("the evaluation loader yielded no batches")
        results = {"loss": loss / examples}
        if self.metric == "accuracy":
            results["accuracy"] = correct / targets
        return results

    def _call_epoch_end_hooks(self, epoch, metrics):
        if self.run is None:
            return
        plugins.host().call_each("tinytorch_epoch_end", run=self.run, epoch=epoch, metrics=dict(metrics))

    # ------------------------------------------------------------------ checkpoints
    def save_checkpoint(self, path):
        """Write everything needed to resume to ``path`` (one ``.npz``, atomically)."""
        sections = {
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "trainer": {"epoch": self.epoch, "rng": json.dumps(nn.init.generator().bit_generator.state)},
            "history": {key: [row[key] for row in self.history] for key in self.history[0]} if self.history else {},
            "meta": self.checkpoint_meta,
        }
        for name, loader in (("train", self.train_loader), ("val", self.val_loader)):
            if getattr(loader, "epoch", None) is not None:
                sections["trainer"][f"{name}_loader_epoch"] = loader.epoch
        if self.scheduler is not None:
            sections["scheduler"] = self.scheduler.state_dict()
        nn.save({f"{section}/{key}": value for section, entries in sections.items()
                 for key, value in entries.items()}, path)
        self._last_checkpoint = path

    def resume(self, path):
        """Restore a checkpoint written by ``save_checkpoint``; ``fit`` then goes on from the next epoch."""
        sections = {}
        for key, value in nn.load(path).items():
            section, _, name = key.partition("/")
            sections.setdefault(section, {})[name] = value
        if not {"model", "optimizer", "trainer"} <= sections.keys():
            raise ValueError(
                f"{path} is not a Trainer checkpoint: it has sections {sorted(sections)}, expected "
                f"model/, optimizer/ and trainer/ (a file written by Trainer.save_checkpoint)"
            )
        if ("scheduler" in sections) != (self.scheduler is not None):
            raise ValueError(
                f"{path} was saved {'with' if 'scheduler' in sections else 'without'} an LR scheduler, "
                f"but this Trainer has {'one' if self.scheduler is not None else 'none'}; build it as the saved run was"
            )
        try:
            self.model.load_state_dict(sections["model"])
        except RuntimeError as error:
            raise RuntimeError(f"{path}: {error}") from None
        self.optimizer.load_state_dict(sections["optimizer"])
        if self.scheduler is not None:
            self.scheduler.load_state_dict(sections["scheduler"])
        trainer = {key: to_python(value) for key, value in sections["trainer"].items()}
        self.epoch = trainer["epoch"]
        nn.init.generator().bit_generator.state = json.loads(trainer["rng"])
        for name, loader in (("train", self.train_loader), ("val", self.val_loader)):
            if f"{name}_loader_epoch" in trainer:
                loader.epoch = trainer[f"{name}_loader_epoch"]
        columns = {key: to_python(value) for key, value in sections.get("history", {}).items()}
        self.history = [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        self._last_checkpoint = path
        return self


def count_correct(logits, targets):
    """Right predictions: argmax over classes, or ``logit > 0`` when there is one logit per target."""
    # region 07 training: argmax over classes, or logit > 0 for one logit per target; count the matches
    if logits.shape in (targets.shape, targets.shape + (1,)):
        predicted = logits.reshape(targets.shape) > 0
    else:
        predicted = logits.argmax(axis=-1)
    # endregion
    return int((predicted == targets).sum())
