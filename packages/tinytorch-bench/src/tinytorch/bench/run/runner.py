"""The experiment runner: one YAML config in, one trained and measured model out.

    from tinytorch.bench.run import runner
    result = runner.run("configs/milestones/1986_mlp_digits.yaml", out="runs/digits")
    result.metrics["test_accuracy"]  # 0.97...

``run`` reads top to bottom as the steps of an experiment:

1. prepare (``prepare.py``): resolve and check the config, seed, load the data, build
   the model and check the passes against it, on the chosen backend (``--backend``,
   else the config's ``backend:``, else ``TINYTORCH_BACKEND``, else ``vectorized``), so
   every mistake is reported before any work and before the run directory exists;
2. make the run directory and tell the plugins a run starts (``tinytorch_run_start``);
3. build the Trainer with the config's optimizer, schedule and loaders;
4. train the baseline, or reuse the cached one with the same config hash (``cache.py``);
5. evaluate it on the test split;
6. for the TorchPerf Olympics (a config with ``passes:`` or ``event:``): apply the passes
   to a copy of the trained model, benchmark baseline and optimized model one after the
   other in this process (``profiler.py``), score the event (``olympics.py``) and flag
   implausible results;
7. write the run directory (``outputs.py``, plus ``pareto.png`` when matplotlib is
   installed), tell the plugins (``tinytorch_run_end``) and print the tables.

The validation split the Trainer reports each epoch is the test split: nothing is chosen
by it (no early stopping; the model kept is the last epoch's), so it is a learning curve,
not a tuning signal.

Expected failures (a bad config, a missing dataset file, a diverged or interrupted
training) raise ``ConfigError`` or ``RunError`` with a message for a person; ``tt``
prints it without a traceback.

Read next: ``cli.py``, the ``tt`` command around this.
"""

import copy
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.markup import escape

import tinytorch.nn as nn
import tinytorch.optim as optim
from tinytorch.bench import hookspecs  # noqa: F401  (the run hooks this module calls)
from tinytorch.bench.olympics import events as olympics
from tinytorch.bench.olympics import loadgen, profiler
from tinytorch.core import plugins, use_backend
from tinytorch.core.data import DataLoader
from tinytorch.optim.passes import PassContext, apply_passes

from . import dashboard, manifest, plot, rundir
from . import resume as resuming
from .cache import baseline_paths, load_baseline, store_baseline
from .config import config_hash
from .outputs import results_table, write_run_files
from .prepare import RunError, prepare, seed_everything
from .progress import RichProgress
from .schema import OPTIMIZERS

EVAL_BATCH_SIZE = 1000  # evaluation keeps no graph, so large batches are cheap and fast


class RunInterrupted(RunError):
    """Ctrl-C during training; the message says where it stopped. ``tt`` exits 130."""

    exit_code = 130


@dataclass
class Run:
    """What the lifecycle hooks receive: the run's name, resolved config and directory."""

    name: str
    config: dict
    out_dir: Path
    config_hash: str


@dataclass
class RunResult:
    run: Run
    metrics: dict  # what metrics.json holds
    model: nn.Module


def run(config_path, overrides=(), backend=None, out=None, resume=None, console=None, overwrite=False):
    """Train and evaluate the experiment at ``config_path``; write its run directory.

    ``overrides`` are ``"key.path=value"`` strings, as ``tt run --set`` takes. ``backend``
    beats the config's ``backend:``; ``TINYTORCH_BACKEND`` applies only when neither
    names one. ``out`` is the run directory (default ``runs/<name>-<time>/``). ``resume``
    is a ``checkpoint.npz`` written by an earlier, stopped run of the same config
    (``resume.py`` says which keys may differ). ``out`` must be new or empty unless
    resuming or ``overwrite`` (``rundir.py``). ``console`` is the rich Console to print to
    (default: standard output).
    """
    started = time.perf_counter()
    console = console or Console()
    prepared = prepare(config_path, overrides, backend)  # every check passed, nothing written yet
    config, data, model = prepared.config, prepared.data, prepared.model
    changes = resuming.check(resume, config) if resume is not None else {}
    with rundir.claim(config["name"], out, resume, overwrite) as out_dir, use_backend(config["backend"]):
        run = Run(config["name"], config, out_dir, config_hash(config))
        notify("tinytorch_run_start", console, run=run)
        trainer = make_trainer(run, model, data)
        progress = dashboard.choose(config, model, data.info, console)  # None: the plain bar
        record = train_baseline(run, trainer, console, resume, progress, changes)
        metrics = evaluate_baseline(run, trainer, record)
        if changes:  # config.yaml holds the new values; say what the checkpoint had
            metrics["resumed_with_changes"] = {key: list(pair) for key, pair in changes.items()}
        if "evaluate" in data.info:  # the dataset's own measures, e.g. TinyTalks' exact match
            metrics.update(data.info["evaluate"](model))
        if config["passes"] or config["event"]:
            model = compete(run, trainer, data.info, metrics, console)
        if "tokenizer" in data.info:  # what `tt generate` needs besides the model
            data.info["tokenizer"].save(run.out_dir / "tokenizer.json")
        finish(run, model, metrics, started, console)
    return RunResult(run, metrics, model)


# -- 1. the plugins ----------------------------------------------------------------------------


def notify(hook, console, **kwargs):
    """Call a lifecycle hook in every plugin; one that raises is reported, the run goes on."""
    # call_each isolates each plugin and warns about a failure; show that as a console
    # line instead of a Python warning with a file name and a source line.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        plugins.host().call_each(hook, **kwargs)
    for warning in caught:
        console.print("[yellow]warning:[/] " + escape(str(warning.message)))


# -- 2. the trainer ------------------------------------------------------------------------


def make_trainer(run, model, data):
    """A Trainer with the config's optimizer, schedule and loaders; checkpoints in the run dir."""
    train = run.config["train"]
    train_loader = DataLoader(
        data.train, batch_size=run.config["data"]["batch_size"], shuffle=True, seed=run.config["seed"]
    )
    test_loader = DataLoader(data.test, batch_size=EVAL_BATCH_SIZE)
    optimizer = make_optimizer(model, train["optimizer"])
    return optim.Trainer(
        model, optimizer, nn.CrossEntropyLoss(), train_loader, test_loader,
        scheduler=make_schedule(optimizer, train["schedule"], train["epochs"], len(train_loader)),
        clip_grad_norm=train["clip_grad_norm"],
        checkpoint_path=run.out_dir / "checkpoint.npz",
        run=run,
        checkpoint_meta=resuming.meta(run.config),
    )


def make_optimizer(model, options):
    kwargs = {"lr": options["lr"], "weight_decay": options["weight_decay"]}
    if options["name"] == "sgd":
        kwargs["momentum"] = options["momentum"]
    return OPTIMIZERS[options["name"]](model.parameters(), **kwargs)


def make_schedule(optimizer, schedule, epochs, batches_per_epoch):
    if schedule is None:
        return None
    if schedule["name"] == "step":
        return optim.StepLR(optimizer, schedule["step_size"], schedule["gamma"])
    # cosine: CosineWithWarmup counts optimizer steps (batches), the config counts epochs
    total = max(1, epochs * batches_per_epoch)
    warmup = min(total, schedule["warmup_epochs"] * batches_per_epoch)
    return optim.CosineWithWarmup(optimizer, total, warmup, schedule["min_lr"])


# -- 3. training, or the cached baseline ---------------------------------------------------


def train_baseline(run, trainer, console, resume=None, progress=None, changes=None):
    """Train as the config says, or reuse the cached baseline; return the training record.

    ``progress`` draws the training (``dashboard.Dashboard`` for text models); by default a
    ``RichProgress`` bar.

    The record is ``{"history", "seconds", "reused", "cache"}``: the Trainer's per-epoch
    metrics, the training time, and whether (and where) the cache supplied the weights.
    ``changes`` are the keys a resumed run changed (``resume.check``): applied, and then
    the result is not cached, since this config alone did not produce it.
    """
    changes = changes or {}
    cache = str(baseline_paths(run.config_hash)[0])
    if resume is None and (record := reuse_baseline(run, trainer.model, console)):
        return {**record, "reused": True, "cache": cache}
    if resume is not None:
        try:
            trainer.resume(resume)
        except (OSError, ValueError, RuntimeError, KeyError) as error:
            raise RunError(f"cannot resume from {resume}: {error}") from None
        resuming.apply(trainer, changes)
        console.print(escape(f"resuming after epoch {trainer.epoch} from {resume}"
                             + "".join(f"; {key} {old} -> {new}" for key, (old, new) in changes.items())))
    epochs = run.config["train"]["epochs"]
    start = time.perf_counter()
    with progress or RichProgress(console) as progress:
        trainer.progress = progress
        try:
            history = trainer.fit(epochs)
        except optim.TrainingDiverged as error:
            raise RunError(f"{error}\nthe run directory is {run.out_dir}") from None
        except KeyboardInterrupt:
            raise RunInterrupted(stopped_message(run, trainer, progress)) from None
        finally:
            trainer.progress = None
    record = {"history": history, "seconds": time.perf_counter() - start}
    if changes:
        console.print(escape(f"not cached as this config's baseline: resumed with {', '.join(changes)} changed"))
        return {**record, "reused": False, "cache": None}
    store_baseline(run.config_hash, trainer.model, record)
    return {**record, "reused": False, "cache": cache}


def reuse_baseline(run, model, console):
    """The cached training record after loading its weights into ``model``, or None."""
    try:
        record = load_baseline(run.config_hash, model)
    except (ValueError, RuntimeError) as error:
        console.print("[yellow]warning:[/] " + escape(f"ignoring the cached baseline, training again: {error}"))
        return None
    if record is not None:
        console.print(escape(
            f"reusing the cached baseline for config hash {run.config_hash[:12]} "
            f"({baseline_paths(run.config_hash)[0]}); delete it to train again"
        ))
    return record


def stopped_message(run, trainer, progress):
    """Where an interrupted training stopped, what is on disk, and how to go on."""
    checkpoint = run.out_dir / "checkpoint.npz"
    if trainer.epoch:
        kept = (
            f"the checkpoint {checkpoint} holds epoch {trainer.epoch}; to continue, rerun the "
            f"same command with --out {run.out_dir} --resume {checkpoint}"
        )
    else:
        kept = "no epoch finished, so no checkpoint was written"
    return (
        f"interrupted in epoch {progress.epoch} of {progress.epochs}; {kept}. "
        f"No results were written and earlier runs are untouched."
    )


# -- 4. the results ---------------------------------------------------------------------------


def evaluate_baseline(run, trainer, record):
    """The trained model's test accuracy and loss, with its training record: metrics.json."""
    test = trainer.evaluate(trainer.val_loader)
    history = record["history"]

    def column(key):
        return [float(row[key]) for row in history if row.get(key) is not None]

    metrics = {
        "name": run.name,
        "test_accuracy": test["accuracy"],
        "test_loss": test["loss"],
        "epochs": len(history),
        "train_loss": column("train_loss"),
        "val_loss": column("val_loss"),
        "val_accuracy": column("val_accuracy"),
        "lr": column("lr"),
        "epoch_seconds": column("seconds"),
        "train_seconds": record["seconds"],
        "baseline_reused": record["reused"],
        "baseline_cache": record["cache"],
        "parameters": trainer.model.num_parameters(),
        "backend": run.config["backend"],
        "seed": run.config["seed"],
        "config_hash": run.config_hash,
    }
    return metrics


def finish(run, model, metrics, started, console):
    """Write the run directory (and the plots), tell the plugins, print the tables."""
    metrics["seconds"] = time.perf_counter() - started
    metrics["manifest"] = manifest.collect(run.config, model)
    write_run_files(run.out_dir, run.config, metrics, model)
    if plot.available():
        if metrics.get("train_loss"):
            plot.training_curves(metrics, run.out_dir / "curves.png", run.name)
        if "optimized" in metrics:
            plot.pareto(metrics["baseline"], metrics["optimized"], run.out_dir / "pareto.png", run.name)
    notify("tinytorch_run_end", console, run=run, metrics=metrics)
    console.print(results_table(run.config, metrics, run.out_dir))
    console.print(manifest.table(metrics["manifest"]))
    if "optimized" in metrics:
        console.print(olympics.comparison_table(metrics))
        for warning in metrics["warnings"]:
            console.print("[yellow]warning:[/] " + escape(warning))


# -- 5. the TorchPerf Olympics ------------------------------------------------------------------


def compete(run, trainer, info, metrics, console):
    """Optimize a copy of the trained model, benchmark both, score the event; return the optimized model.

    Adds ``baseline``, ``optimized``, ``passes``, ``event`` and ``warnings`` to ``metrics``.
    """
    baseline = trainer.model
    # The passes start from the same random state and data order whether the baseline
    # was just trained or came from the cache, so a rerun reproduces their result.
    seed_everything(run.config["seed"])
    train_loader = DataLoader(trainer.train_loader.dataset, batch_size=run.config["data"]["batch_size"],
                              shuffle=True, seed=run.config["seed"])
    epochs_trained = []
    context = PassContext(train_loader, trainer.val_loader, info,
                          make_finetune(run.config, train_loader, console, epochs_trained), run.config)
    try:
        # Passes change the model in place; the copy keeps the baseline to measure (and teach).
        optimized = apply_passes(copy.deepcopy(baseline), run.config["passes"], context)
    except optim.TrainingDiverged as error:
        raise RunError(f"fine-tuning in the passes diverged: {error}") from None
    except KeyboardInterrupt:
        cached = (f"the trained baseline is cached ({metrics['baseline_cache']}), so a rerun (with "
                  f"--overwrite, or another --out) goes straight to the passes" if metrics["baseline_cache"]
                  else "the resumed baseline was not cached (its config changed on resume)")
        raise RunInterrupted(
            f"interrupted while applying the passes; {cached}. "
            f"No results were written and earlier runs are untouched."
        ) from None
    except (ValueError, RuntimeError) as error:
        raise RunError(f"passes: {error}") from None
    bench = run.config["benchmark"]
    settings = loadgen.Settings.from_config(bench)
    for name, model in (("baseline", baseline), ("optimized", optimized)):
        console.print(escape(f"measuring the {name} ({'quick' if settings.quick else 'LoadGen'} settings)"))
        metrics[name] = profiler.benchmark(model, trainer.val_loader, bench["warmup"], bench["runs"],
                                           bench["batch_size"], run.config["data"]["batch_size"], settings)
    metrics["track"] = run.config["data"]["name"]  # the leaderboard ranks each dataset apart
    metrics["passes"] = context.reports
    event = run.config["event"]
    metrics["event"] = None
    if event:
        metrics["event"] = olympics.score(event, metrics["baseline"], metrics["optimized"])
    metrics["warnings"] = olympics.warnings(metrics["baseline"], metrics["optimized"], sum(epochs_trained))
    return optimized


def make_finetune(config, default_loader, console, epochs_trained):
    """``finetune(model, epochs, loss_fn=None, train_loader=None)`` for the passes: a short
    training run with the config's optimizer and schedule (a cosine schedule anneals over
    the fine-tuning epochs); ``epochs_trained`` collects how many epochs ran."""

    def finetune(model, epochs, loss_fn=None, train_loader=None):
        loader = train_loader or default_loader
        optimizer = make_optimizer(model, config["train"]["optimizer"])
        tuner = optim.Trainer(model, optimizer, loss_fn or nn.CrossEntropyLoss(), loader,
                              scheduler=make_schedule(optimizer, config["train"]["schedule"], epochs, len(loader)))
        with RichProgress(console) as progress:
            tuner.progress = progress
            history = tuner.fit(epochs)
        epochs_trained.append(epochs)
        return history

    return finetune
