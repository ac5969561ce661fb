"""The `tt` command, driven through click's CliRunner on tiny configs."""

import json

import click
import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import tinytorch.nn as nn
from tinytorch.bench.run.cli import main


def tt(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def write_config(tmp_path, text, name="exp.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


# -- tt run -------------------------------------------------------------------------------


def test_run_writes_the_four_files(tiny, tmp_path):
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out)
    assert result.exit_code == 0, result.output
    assert "tiny-mlp: result" in result.output and "test accuracy" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("test_accuracy", "train_loss", "val_accuracy", "epochs", "seconds", "backend", "config_hash"):
        assert key in metrics
    assert metrics["epochs"] == 2 and len(metrics["train_loss"]) == 2 and len(metrics["val_accuracy"]) == 2
    assert 0.5 < metrics["test_accuracy"] <= 1.0
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["name"] == "tiny-mlp" and config["train"]["optimizer"]["name"] == "adam"
    assert set(nn.load(out / "model.npz")) == {"1.weight", "1.bias", "3.weight", "3.bias"}
    report = (out / "report.md").read_text()
    assert "| test accuracy |" in report and "| epoch | train loss |" in report


@pytest.fixture
def two_backends(fake_plugins):
    """Backends 'alpha' and 'beta' from a made-up distribution, so no real plugin is needed."""
    from tinytorch.core.vectorized import VectorizedBackend

    def tinytorch_register_backends(register):
        register("alpha", type("Alpha", (VectorizedBackend,), {}))
        register("beta", type("Beta", (VectorizedBackend,), {}))

    module = fake_plugins.module("two_backends", tinytorch_register_backends=tinytorch_register_backends)
    fake_plugins.install(fake_plugins.entry_point("two-backends", "two", module))


def test_set_and_backend_options(tiny, tmp_path, two_backends):
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=1", "--set", "model.hidden=[8]",
                "--backend", "alpha")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["backend"] == "alpha" and metrics["epochs"] == 1
    config = yaml.safe_load((out / "config.yaml").read_text())
    assert config["backend"] == "alpha" and config["model"]["hidden"] == [8]
    assert nn.load(out / "model.npz")["1.weight"].shape == (8, 64)


def test_exponent_floats_are_numbers_in_set(tiny, tmp_path):
    # PyYAML alone reads 1e-3 as a string; configs read it as the number it looks like.
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out, "--set", "train.optimizer.lr=3e-3").exit_code == 0
    assert yaml.safe_load((out / "config.yaml").read_text())["train"]["optimizer"]["lr"] == 0.003


@pytest.mark.parametrize(
    "env, config_backend, flag, expected",
    [
        ("alpha", None, None, "alpha"),  # TINYTORCH_BACKEND when nothing else says
        ("alpha", "vectorized", None, "vectorized"),  # the config beats the environment
        ("alpha", "vectorized", "beta", "beta"),  # --backend beats both
    ],
)
def test_backend_precedence(tiny, tmp_path, monkeypatch, two_backends, env, config_backend, flag, expected):
    monkeypatch.setenv("TINYTORCH_BACKEND", env)
    text = f"extends: {tiny}\ntrain: {{epochs: 1}}\n"
    if config_backend:
        text += f"backend: {config_backend}\n"
    args = ["run", write_config(tmp_path, text), "--out", tmp_path / "run"]
    result = tt(*args, *(["--backend", flag] if flag else []))
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["backend"] == expected


@pytest.mark.parametrize(
    "overrides, expected",
    [
        (["train.optimzer.lr=0.1"],
         ["train.optimzer: unknown key 'optimzer'", "did you mean 'optimizer'?"]),
        (["model.name=mpl"],
         ["--set model.name=mpl: unknown model 'mpl' at model.name", "installed models:", "did you mean 'mlp'?"]),
        (["train.optimizer.lr=-0.1"],
         ["train.optimizer.lr: expected a number > 0, found -0.1"]),
        (["model.hiden=[8]"],
         ["model.hiden: unknown option 'hiden' for model 'mlp'", "expected one of: hidden, activation, dropout",
          "did you mean 'hidden'?"]),
        (["model.activation=rleu"],
         ["model.activation: expected one of relu, tanh, gelu, found 'rleu'", "did you mean 'relu'?"]),
        (["data.flatten=false", "model.name=lenet", "model.channels=4"],
         ["model.channels: expected a list of positive integers"]),
    ],
)
def test_bad_configs_fail_before_any_work(tiny, tmp_path, overrides, expected):
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out, *[arg for o in overrides for arg in ("--set", o)])
    assert result.exit_code == 2
    assert "error: invalid config" in result.output and "Traceback" not in result.output
    for text in expected:
        assert text in result.output
    assert not out.exists()  # nothing was written, not even the run directory


def test_a_bad_key_in_the_file_names_the_file(tiny, tmp_path):
    path = write_config(tmp_path, f"extends: {tiny}\ntrian: {{epochs: 1}}\n")
    result = tt("run", path, "--out", tmp_path / "run")
    assert result.exit_code == 2
    assert f"{path}:2: trian: unknown key 'trian'" in result.output and "did you mean 'train'?" in result.output


def test_baseline_cache_is_reused_on_the_second_run(tiny, tmp_path):
    assert tt("run", tiny, "--out", tmp_path / "a").exit_code == 0
    second = tt("run", tiny, "--out", tmp_path / "b")
    assert second.exit_code == 0 and "reusing the cached baseline" in second.output
    first, again = (json.loads((tmp_path / d / "metrics.json").read_text()) for d in "ab")
    assert not first["baseline_reused"] and again["baseline_reused"]
    assert again["config_hash"] == first["config_hash"]
    assert again["train_loss"] == first["train_loss"]  # the history comes with the weights
    assert again["test_accuracy"] == first["test_accuracy"]  # measured again, same weights
    # Anything that decides the weights changes the hash: no reuse.
    third = tt("run", tiny, "--out", tmp_path / "c", "--set", "seed=1")
    assert not json.loads((tmp_path / "c" / "metrics.json").read_text())["baseline_reused"]
    assert third.exit_code == 0


def test_a_stale_cached_baseline_is_reported_and_retrained(tiny, tmp_path):
    assert tt("run", tiny, "--out", tmp_path / "a").exit_code == 0
    metrics = json.loads((tmp_path / "a" / "metrics.json").read_text())
    state = nn.load(metrics["baseline_cache"])
    state["1.weight"] = np.zeros((3, 3), np.float32)  # as if the model's code had changed
    nn.save(state, metrics["baseline_cache"])
    result = tt("run", tiny, "--out", tmp_path / "b")
    assert result.exit_code == 0  # the record names the old weights' sha256: this is not its file
    assert "ignoring the cached baseline" in result.output and "sha256 differs" in result.output
    assert not json.loads((tmp_path / "b" / "metrics.json").read_text())["baseline_reused"]


def test_resume_with_a_checkpoint_of_another_model_is_refused_before_loading(tiny, tmp_path):
    assert tt("run", tiny, "--out", tmp_path / "a").exit_code == 0
    result = tt("run", tiny, "--out", tmp_path / "b", "--set", "model.hidden=[8]",
                "--resume", tmp_path / "a" / "checkpoint.npz")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "the checkpoint was written by another config (model.hidden: checkpoint [16], config [8])" in result.output
    assert not (tmp_path / "b").exists()  # refused before the run directory was made


# -- stopping: divergence and Ctrl-C ------------------------------------------------------------


class NaNAfter(nn.Module):
    """A linear model whose output turns NaN after ``good`` training batches."""

    def __init__(self, info, good):
        super().__init__()
        self.linear, self.good, self.calls = nn.Linear(64, info["num_classes"]), good, 0

    def forward(self, x):
        out = self.linear(x)
        if self.training:
            self.calls += 1
            if self.calls > self.good:
                out = out * float("nan")
        return out


def test_divergence_stops_with_a_message_and_keeps_the_last_good_checkpoint(tiny, tmp_path, fake_plugins):
    batches = 23  # 1437 training digits in batches of 64
    models = fake_plugins.module("nan_models", tinytorch_register_models=lambda register: register(
        "nan_after", lambda info, good=batches + 5: NaNAfter(info, good)))
    fake_plugins.install(fake_plugins.entry_point("nan-models", "nan", models))
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out, "--set", "model={name: nan_after}", "--set", "train.epochs=3")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "training diverged at epoch 2, batch 6" in result.output and "nan" in result.output
    assert str(out / "checkpoint.npz") in result.output.replace("\n", "")
    checkpoint = nn.load(out / "checkpoint.npz")
    assert int(checkpoint["trainer/epoch"]) == 1  # the last good epoch
    assert not (out / "metrics.json").exists()


def test_interrupted_run_says_where_it_stopped_and_resumes(tiny, tmp_path, fake_plugins):
    def stop_after_epoch_two(run, epoch, metrics):
        if epoch == 2:
            raise KeyboardInterrupt

    ctrl_c = fake_plugins.module("ctrl_c", tinytorch_epoch_end=stop_after_epoch_two)
    fake_plugins.install(fake_plugins.entry_point("ctrl-c", "c", ctrl_c))
    out, earlier = tmp_path / "run", tmp_path / "earlier"
    assert tt("run", tiny, "--out", earlier, "--set", "train.epochs=1").exit_code == 0
    before = {p.name: p.read_bytes() for p in earlier.iterdir()}
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=3")
    assert result.exit_code == 130
    assert "interrupted in epoch 2 of 3" in result.output and "holds epoch 2" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.npz"]
    assert {p.name: p.read_bytes() for p in earlier.iterdir()} == before

    fake_plugins.install()  # Ctrl-C is over: resume and finish
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=3", "--resume", out / "checkpoint.npz")
    assert result.exit_code == 0, result.output
    assert "resuming after epoch 2" in result.output
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 3


# -- plugins ------------------------------------------------------------------------------------


def test_plugins_lists_backends_and_models():
    result = tt("plugins")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any("tinytorch-core" in line and "backends: vectorized" in line and "OK" in line for line in lines)
    assert any("tinytorch-nn" in line and "models: perceptron, mlp, lenet" in line for line in lines)


def test_a_broken_plugin_is_shown_and_breaks_nothing(tiny, tmp_path, fake_plugins):
    fake_plugins.install(
        fake_plugins.entry_point("broken-dist", "oops", error=ImportError("No module named 'zzz'")),
        fake_plugins.entry_point("bad-commands", "cmds", fake_plugins.module(
            "bad_commands", tinytorch_register_commands=lambda cli: 1 / 0)),
    )
    result = tt("plugins")
    assert result.exit_code == 0
    assert "BROKEN: ImportError: No module named 'zzz'" in result.output
    assert "BROKEN: tinytorch_register_commands raised" in result.output and "ZeroDivisionError" in result.output
    assert "tinytorch-bench" in result.output
    assert tt("run", tiny, "--out", tmp_path / "run", "--set", "train.epochs=1").exit_code == 0


def test_plugins_add_commands_but_cannot_replace_built_ins(fake_plugins):
    def register_commands(cli):
        @cli.command()
        def hello():
            click.echo("hello from a plugin")

        cli.add_command(click.Command("run", callback=lambda: click.echo("hijacked")))

    greeter = fake_plugins.module("greeter", tinytorch_register_commands=register_commands)
    fake_plugins.install(fake_plugins.entry_point("greeter", "g", greeter))
    hello = tt("hello")
    assert hello.stdout == "hello from a plugin\n"
    assert "a plugin tried to replace the built-in command 'run'; ignored" in hello.stderr
    result = tt("run", "--help")
    assert "Train and evaluate" in result.output and "hijacked" not in result.output


def test_name_conflicts_are_listed(fake_plugins):
    models = fake_plugins.module("clone", tinytorch_register_models=lambda register: register("mlp", object))
    fake_plugins.install(fake_plugins.entry_point("mlp-clone", "clone", models))
    result = tt("plugins")
    assert "conflict: model 'mlp' is registered by 'tinytorch-nn' and 'mlp-clone'" in result.output


def test_lifecycle_hooks_see_the_run_and_a_failing_one_is_not_fatal(tiny, tmp_path, fake_plugins):
    seen = []
    observer = fake_plugins.module(
        "observer",
        tinytorch_run_start=lambda run: seen.append(("start", run.name, run.out_dir)),
        tinytorch_run_end=lambda run, metrics: seen.append(("end", metrics["test_accuracy"])),
    )
    failing = fake_plugins.module("failing", tinytorch_run_end=lambda run, metrics: 1 / 0)
    fake_plugins.install(fake_plugins.entry_point("observer", "o", observer), fake_plugins.entry_point("failing", "f", failing))
    result = tt("run", tiny, "--out", tmp_path / "run")
    assert result.exit_code == 0
    assert "warning: plugin 'failing:f' failed in tinytorch_run_end" in result.output
    assert "ZeroDivisionError" in result.output
    accuracy = json.loads((tmp_path / "run" / "metrics.json").read_text())["test_accuracy"]
    assert seen == [("start", "tiny-mlp", tmp_path / "run"), ("end", accuracy)]


# -- tt config validate -------------------------------------------------------------------------


def test_config_validate(tiny, tmp_path):
    ok = tt("config", "validate", tiny)
    assert ok.exit_code == 0 and f"{tiny}: OK" in ok.output
    shown = tt("config", "validate", tiny, "--show", "--set", "train.epochs=7")
    assert yaml.safe_load(shown.output.rsplit("\n", 2)[0])["train"]["epochs"] == 7
    bad = tt("config", "validate", tiny, "--set", "train.optimizer.name=adamm")
    assert bad.exit_code == 2 and "unknown optimizer 'adamm'" in bad.output and "did you mean 'adam'?" in bad.output
    missing = tt("config", "validate", tmp_path / "nope.yaml")
    assert missing.exit_code == 2 and "cannot read config" in missing.output


def test_default_run_directories_are_new_and_a_failed_run_leaves_none(tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for _ in range(2):
        assert tt("run", tiny, "--set", "train.epochs=1").exit_code == 0
    first, second = sorted((tmp_path / "runs").iterdir())  # two runs, two directories
    assert first.name.startswith("tiny-mlp-") and second.name.startswith("tiny-mlp-")
    bad = tt("run", tiny, "--set", "data.test_fraction=2")  # the dataset refuses it after the dir exists
    assert bad.exit_code == 2 and "test_fraction must be in [0, 1)" in bad.output
    assert sorted((tmp_path / "runs").iterdir()) == [first, second]
