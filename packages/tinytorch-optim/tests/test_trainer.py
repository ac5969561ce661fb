"""Trainer: learning, evaluation, checkpoints, exact resume, divergence, hooks, progress."""

import types
import warnings

import numpy as np
import pytest

import tinytorch.optim as optim
from tinytorch import nn
from tinytorch.core import hookimpl, plugins
from tinytorch.core.data import DataLoader, TensorDataset, load_dataset
from tinytorch.optim.trainer import count_correct


@pytest.fixture(autouse=True)
def fresh_plugins():
    plugins.reset()
    yield
    plugins.reset()


def _loaders(seed=0, batch_size=16):
    splits = load_dataset("perceptron", n=120, seed=0)
    train = DataLoader(splits.train, batch_size=batch_size, shuffle=True, seed=seed)
    return train, DataLoader(splits.test, batch_size=64)


def _trainer(init_seed=0, epochs_total=4, **options):
    """A small MLP with dropout, Adam, a per-step cosine schedule and clipping."""
    nn.manual_seed(init_seed)
    model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Dropout(0.2), nn.Linear(8, 2))
    train, val = _loaders(seed=0)
    opt = optim.Adam(model.parameters(), lr=0.05)
    scheduler = optim.CosineWithWarmup(opt, total_steps=epochs_total * len(train), warmup_steps=3)
    options = {"val_loader": val, "scheduler": scheduler, "clip_grad_norm": 1.0, **options}
    return optim.Trainer(model, opt, nn.CrossEntropyLoss(), train, **options)


# ---------------------------------------------------------------- learning
def test_reaches_full_accuracy_on_separable_data():
    trainer = _trainer()
    history = trainer.fit(epochs=4)
    assert [row["epoch"] for row in history] == [1, 2, 3, 4]
    assert list(history[0]) == ["epoch", "train_loss", "val_loss", "val_accuracy", "lr", "seconds"]
    assert history[-1]["val_accuracy"] == 1.0
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert trainer.evaluate(trainer.train_loader)["accuracy"] == 1.0


def test_single_logit_binary_classifier():
    nn.manual_seed(0)
    splits = load_dataset("perceptron", n=80, seed=1)
    x, y = splits.train.arrays
    loader = DataLoader(TensorDataset(x, y.astype(np.float32).reshape(-1, 1)), batch_size=20)
    model = nn.Linear(2, 1)
    trainer = optim.Trainer(model, optim.SGD(model.parameters(), lr=0.5), nn.BCEWithLogitsLoss(), loader, loader)
    history = trainer.fit(5)
    assert history[-1]["val_accuracy"] == 1.0
    assert set(trainer.evaluate(loader)) == {"loss", "accuracy"}


def test_evaluate_restores_the_training_mode_and_metric_none_skips_accuracy():
    trainer = _trainer(metric=None)
    trainer.model.train()
    assert set(trainer.evaluate(trainer.val_loader)) == {"loss"}
    assert trainer.model.training
    assert "val_accuracy" not in trainer.fit(1)[0]


def test_without_val_loader_history_has_only_training_metrics():
    history = _trainer(val_loader=None).fit(1)
    assert set(history[0]) == {"epoch", "train_loss", "lr", "seconds"}


def test_count_correct_handles_classes_binary_logits_and_sequences():
    assert count_correct(np.array([[2.0, 1.0], [0.0, 3.0]]), np.array([0, 0])) == 1
    assert count_correct(np.array([[0.5], [-0.5], [2.0]]), np.array([1.0, 0.0, 0.0])) == 2
    assert count_correct(np.array([[0.5], [-0.5]]), np.array([[1.0], [1.0]])) == 1
    tokens = np.zeros((2, 3, 5))
    tokens[..., 4] = 1
    assert count_correct(tokens, np.array([[4, 4, 0], [4, 1, 4]])) == 4


def test_unknown_metric_is_rejected():
    with pytest.raises(ValueError, match="metric must be one of"):
        _trainer(metric="f1")


# ---------------------------------------------------------------- checkpoints
def test_checkpoint_is_one_namespaced_npz_without_pickle(tmp_path):
    path = tmp_path / "run.npz"
    _trainer(checkpoint_path=path).fit(2)
    with np.load(path, allow_pickle=False) as archive:
        sections = {name.split("/")[0] for name in archive.files}
        assert sections == {"model", "optimizer", "scheduler", "trainer", "history"}
        assert archive["trainer/epoch"] == 2
        assert "model/0.weight" in archive.files and "optimizer/state.0.exp_avg" in archive.files
        np.testing.assert_array_equal(archive["history/epoch"], [1, 2])
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]  # no temporary left behind


def test_resume_gives_bit_identical_results(tmp_path):
    reference = _trainer(checkpoint_path=tmp_path / "full.npz")
    expected = reference.fit(4)

    path = tmp_path / "interrupted.npz"
    _trainer(checkpoint_path=path).fit(2)
    # Rebuilt from scratch, with other initial weights and another state of nn's random
    # generator (dropout masks): the checkpoint must restore all of it.
    resumed = _trainer(init_seed=123, checkpoint_path=path)
    history = resumed.fit(4, resume_from=path)

    want = reference.model.state_dict()
    for name, got in resumed.model.state_dict().items():
        np.testing.assert_array_equal(got, want[name], err_msg=name)
    strip = lambda rows: [{k: v for k, v in row.items() if k != "seconds"} for row in rows]
    assert strip(history) == strip(expected)
    assert resumed.scheduler.get_last_lr() == reference.scheduler.get_last_lr()
    assert resumed.train_loader.epoch == reference.train_loader.epoch == 4


def test_resume_method_then_fit_continues_from_the_next_epoch(tmp_path):
    path = tmp_path / "run.npz"
    _trainer(checkpoint_path=path).fit(1)
    trainer = _trainer().resume(path)
    assert trainer.epoch == 1 and len(trainer.history) == 1
    assert [row["epoch"] for row in trainer.fit(3)] == [1, 2, 3]


def test_resume_without_the_saved_scheduler_is_an_error(tmp_path):
    path = tmp_path / "run.npz"
    _trainer(checkpoint_path=path).fit(1)
    with pytest.raises(ValueError, match="saved with an LR scheduler, but this Trainer has none"):
        _trainer(scheduler=None).resume(path)


def test_resume_from_a_plain_model_file_is_an_error(tmp_path):
    trainer = _trainer()
    nn.save(trainer.model, tmp_path / "model.npz")
    with pytest.raises(ValueError, match="is not a Trainer checkpoint"):
        trainer.resume(tmp_path / "model.npz")


# ---------------------------------------------------------------- divergence
class NaNAt:
    """Cross-entropy that returns NaN at the n-th training batch."""

    def __init__(self, model, n):
        self.model, self.n, self.seen, self.loss = model, n, 0, nn.CrossEntropyLoss()

    def __call__(self, logits, targets):
        loss = self.loss(logits, targets)
        if self.model.training:
            self.seen += 1
            if self.seen == self.n:
                return loss * float("nan")
        return loss


def test_nan_loss_stops_with_the_place_and_the_last_good_checkpoint(tmp_path):
    path = tmp_path / "run.npz"
    trainer = _trainer(checkpoint_path=path)
    batches = len(trainer.train_loader)
    trainer.loss_fn = NaNAt(trainer.model, n=2 * batches + 2)  # epoch 3, batch 2
    trainer.fit(2)
    on_disk = path.read_bytes()
    weights = trainer.model.state_dict()

    with pytest.raises(optim.TrainingDiverged) as caught:
        trainer.fit(4)
    message = str(caught.value)
    assert f"epoch 3, batch 2 of {batches}: the loss is nan" in message
    assert f"the last good checkpoint is {path} (after epoch 2)" in message
    assert isinstance(caught.value, RuntimeError)
    assert (caught.value.epoch, caught.value.batch, caught.value.checkpoint) == (3, 2, path)
    assert trainer.epoch == 2 and len(trainer.history) == 2
    assert path.read_bytes() == on_disk
    # The checkpoint holds epoch 2's weights, whatever batch 1 of epoch 3 did in memory.
    for name, value in _trainer().resume(path).model.state_dict().items():
        np.testing.assert_array_equal(value, weights[name])


def test_divergence_without_a_checkpoint_says_so():
    trainer = _trainer()
    trainer.loss_fn = lambda logits, targets: nn.CrossEntropyLoss()(logits, targets) * float("inf")
    expected = r"epoch 1, batch 1 of \d+: the loss is inf; no checkpoint was kept"
    with pytest.raises(optim.TrainingDiverged, match=expected):
        trainer.fit(1)


# ---------------------------------------------------------------- hooks and progress
def _plugin(name, calls=None, error=None):
    module = types.ModuleType(name)

    @hookimpl
    def tinytorch_epoch_end(run, epoch, metrics):
        if error:
            raise error
        calls.append((run, epoch, metrics))

    module.tinytorch_epoch_end = tinytorch_epoch_end
    return module


def test_epoch_end_hook_receives_the_metrics():
    calls = []
    plugins.host().register(_plugin("logger", calls), dist="test")
    trainer = _trainer(run="the-run")
    history = trainer.fit(2)
    assert [(run, epoch) for run, epoch, _ in calls] == [("the-run", 1), ("the-run", 2)]
    assert [metrics for _, _, metrics in calls] == history


def test_hooks_are_not_called_without_a_run():
    calls = []
    plugins.host().register(_plugin("logger", calls), dist="test")
    _trainer().fit(1)
    assert calls == []


def test_a_failing_hook_warns_once_and_training_goes_on():
    calls = []
    plugins.host().register(_plugin("broken", error=OSError("disk full")), dist="test")
    plugins.host().register(_plugin("logger", calls), dist="test")
    expected = r"plugin 'test:broken' failed in tinytorch_epoch_end \(OSError: disk full\)"
    with pytest.warns(RuntimeWarning, match=expected) as caught:
        history = _trainer(run="r").fit(3)
    assert len([w for w in caught if "test:broken" in str(w.message)]) == 1
    assert len(history) == 3 and len(calls) == 3


class RecordingProgress:
    def __init__(self):
        self.events = []

    def start_epoch(self, epoch, epochs, batches):
        self.events.append(("start", epoch, epochs, batches))

    def advance(self, loss):
        self.events.append(("advance", type(loss)))

    def end_epoch(self, metrics):
        self.events.append(("end", metrics["epoch"]))


def test_progress_sees_every_epoch_and_batch():
    progress = RecordingProgress()
    trainer = _trainer(progress=progress)
    trainer.fit(2)
    n = len(trainer.train_loader)
    expected = [("start", 1, 2, n)] + [("advance", float)] * n + [("end", 1)]
    expected += [("start", 2, 2, n)] + [("advance", float)] * n + [("end", 2)]
    assert progress.events == expected


def test_training_is_silent_by_default(capsys):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _trainer().fit(1)
    assert capsys.readouterr() == ("", "")
