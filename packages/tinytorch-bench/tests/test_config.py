"""Tests for experiment configs: loading, extends, --set, validation messages, hashing."""

import textwrap

import pytest
import yaml

from tinytorch.bench.run.config import ConfigError, config_hash, dump_config, load_config
from tinytorch.bench.run.schema import validate

NAMES = {
    "backends": ["naive", "vectorized", "fused"],
    "datasets": ["digits", "mnist"],
    "models": ["perceptron", "mlp", "lenet"],
    "passes": ["prune", "quantize", "distill"],
    "events": ["latency", "memory", "accuracy"],
}

VALID = """\
name: memory-challenge
seed: 0
backend: vectorized
data:   {name: digits, batch_size: 64}
model:  {name: mlp, hidden: [128, 64]}
train:  {epochs: 20, optimizer: {name: adam, lr: 0.001}}
passes:
  - {name: prune, sparsity: 0.8, finetune_epochs: 2}
  - {name: quantize, bits: 8}
event:  {name: memory, max_accuracy_drop: 0.01}
benchmark: {warmup: 5, runs: 50, batch_size: 1}
"""


@pytest.fixture
def write(tmp_path):
    def write(name, text):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write


def load(path, overrides=()):
    return load_config(path, overrides, names=NAMES)


def error_of(path, overrides=()):
    with pytest.raises(ConfigError) as info:
        load(path, overrides)
    return str(info.value)


# -- valid configs --------------------------------------------------------------------------


def test_valid_config_round_trips_with_defaults_filled(write):
    config = load(write("exp.yaml", VALID))
    assert config["name"] == "memory-challenge"
    assert config["model"] == {"name": "mlp", "hidden": [128, 64]}
    assert config["passes"][0] == {"name": "prune", "sparsity": 0.8, "finetune_epochs": 2}
    # Defaults the file did not spell out:
    assert config["train"]["optimizer"] == {
        "name": "adam",
        "lr": 0.001,
        "weight_decay": 0.0,
        "momentum": 0.0,
    }
    assert config["train"]["schedule"] is None
    assert config["train"]["clip_grad_norm"] is None
    assert "checkpoint_every" not in config["train"]  # the Trainer checkpoints every epoch
    # Dumping and loading again gives the same resolved config.
    again = load(write("again.yaml", dump_config(config)))
    assert again == config
    assert yaml.safe_load(dump_config(config)) == config
    assert list(config) == [
        "name",
        "seed",
        "backend",
        "data",
        "model",
        "train",
        "passes",
        "event",
        "benchmark",
    ]


def test_minimal_config_gets_every_default(write):
    config = load(write("min.yaml", "name: m\ndata: {name: digits}\nmodel: {name: mlp}\n"))
    assert config["seed"] == 0
    assert config["backend"] == "vectorized"
    assert config["data"] == {"name": "digits", "batch_size": 64}
    assert config["train"]["epochs"] == 20
    assert config["train"]["optimizer"]["name"] == "adam"
    assert config["passes"] == []
    assert config["event"] is None
    assert config["benchmark"] == {
        "warmup": 5, "runs": 50, "batch_size": 1, "min_queries": 1024, "min_seconds": 10.0, "quick": False,
    }


def test_schedule_defaults_depend_on_its_name(write):
    path = write(
        "s.yaml",
        """\
        name: s
        data: {name: digits}
        model: {name: mlp}
        train: {schedule: {name: cosine, warmup_epochs: 1}}
        """,
    )
    assert load(path)["train"]["schedule"] == {"name": "cosine", "warmup_epochs": 1, "min_lr": 0.0}
    message = error_of(path, ["train.schedule={name: step, warmup_epochs: 1}"])
    assert "train.schedule.step_size: missing; expected an integer" in message
    assert "train.schedule.warmup_epochs: unknown key" in message


def test_an_integer_is_a_fine_float_and_comes_back_as_float(write):
    config = load(write("i.yaml", VALID), ["train.optimizer.lr=1"])
    assert config["train"]["optimizer"]["lr"] == 1.0
    assert isinstance(config["train"]["optimizer"]["lr"], float)


# -- extends ---------------------------------------------------------------------------------


def test_extends_chain_merges_mappings_and_replaces_lists(write):
    write("base.yaml", VALID)
    write(
        "olympics/middle.yaml",
        """\
        extends: ../base.yaml
        train: {epochs: 3}
        passes: [{name: quantize, bits: 4}]
        """,
    )
    top = write(
        "olympics/top.yaml",
        """\
        extends: middle.yaml
        name: top
        train: {optimizer: {lr: 0.01}}
        """,
    )
    config = load(top)
    assert config["name"] == "top"
    assert config["train"]["epochs"] == 3  # from middle
    assert config["train"]["optimizer"] == {
        "name": "adam",
        "lr": 0.01,
        "weight_decay": 0.0,
        "momentum": 0.0,
    }
    assert config["passes"] == [{"name": "quantize", "bits": 4}]  # replaced, not appended
    assert config["model"] == {"name": "mlp", "hidden": [128, 64]}  # from base
    assert "extends" not in config


def test_extends_cycle_is_a_clear_error(write):
    write("a.yaml", "extends: b.yaml\nname: a\n")
    write("b.yaml", "extends: c.yaml\n")
    path = write("c.yaml", "extends: a.yaml\n")
    message = error_of(path)
    assert "cycle" in message
    assert "c.yaml -> " in message and "a.yaml -> " in message and "b.yaml -> " in message


def test_extends_self_and_missing_base(write):
    assert "cycle" in error_of(write("self.yaml", "extends: self.yaml\n"))
    message = error_of(write("orphan.yaml", "extends: nowhere.yaml\nname: x\n"))
    assert "orphan.yaml" in message and "'nowhere.yaml' not found" in message


def test_error_in_inherited_value_names_the_base_file(write):
    write("base.yaml", VALID.replace("lr: 0.001", "lr: -1"))
    child = write("child.yaml", "extends: base.yaml\nname: child\n")
    message = error_of(child)
    # file:line of the key that holds the bad value, as compilers print it
    assert message.startswith(str(child.parent / "base.yaml") + ":6: train.optimizer.lr:")


def test_every_value_knows_its_file_and_line_through_extends_and_set(write):
    write("base.yaml", VALID)
    child = write("child.yaml", "extends: base.yaml\nname: child\ntrain:\n  epochs: 3\n")
    config = load(child, ["train.optimizer.lr=0.1"])
    base = str(child.parent / "base.yaml")
    assert str(config.origin("name")) == f"{child}:2"
    assert str(config.origin("train.epochs")) == f"{child}:4"
    assert str(config.origin("train.optimizer.lr")) == "--set train.optimizer.lr=0.1"
    assert str(config.origin("model.hidden")) == f"{base}:5"
    assert str(config.origin(("passes", 1, "bits"))) == f"{base}:9"
    assert str(config.origin("train.schedule")) == f"{base}:6"  # a default: blamed on its section
    problem = config.problem("model.hidden", "model.hidden: too wide")
    assert str(problem) == f"{base}:5: model.hidden: too wide"


def test_plugin_options_are_checked_and_blamed_on_the_parent_line(write):
    # Checked against the real registry (no names=): the mlp factory takes no `hiden`,
    # the memory event no `min_acuracy_ratio`, and momentum is for sgd only.
    write("base.yaml", VALID.replace("hidden:", "hiden:").replace("max_accuracy_drop: 0.01", "min_acuracy_ratio: 0.9"))
    child = write("child.yaml", "extends: base.yaml\nname: child\n")
    with pytest.raises(ConfigError) as info:
        load_config(child, ["train.optimizer.momentum=0.9"])
    base = str(child.parent / "base.yaml")
    lines = str(info.value).splitlines()
    assert lines[0].startswith(f"{base}:5: model.hiden: unknown option 'hiden' for model 'mlp'; "
                               "expected one of: hidden, activation")
    assert lines[0].endswith("; did you mean 'hidden'?")
    assert lines[1] == ("--set train.optimizer.momentum=0.9: train.optimizer.momentum: momentum applies "
                        "to sgd only, found 0.9 with adam (which keeps its own moving averages); remove it")
    assert lines[2].startswith(f"{base}:10: event: event memory: unknown option 'min_acuracy_ratio'")
    assert lines[2].endswith("did you mean 'min_accuracy_ratio'?")
    assert len(lines) == 3


def test_checkpoint_every_is_not_a_setting(write):
    # The Trainer writes a checkpoint after every epoch; there is no knob that pretends otherwise.
    message = error_of(write("exp.yaml", VALID), ["train.checkpoint_every=2"])
    assert "train.checkpoint_every: unknown key 'checkpoint_every'" in message


# -- --set overrides ---------------------------------------------------------------------------


def test_overrides_reach_nested_keys_and_list_items_with_yaml_types(write):
    path = write("exp.yaml", VALID)
    config = load(
        path,
        [
            "train.optimizer.lr=0.1",
            "train.epochs=3",
            "passes.0.sparsity=0.5",
            "model.hidden=[32, 16]",
            "event={name: latency}",
            "data.shuffle=true",
            "backend=fused",
            "name=from the command line",
        ],
    )
    assert config["train"]["optimizer"]["lr"] == 0.1
    assert config["train"]["epochs"] == 3
    assert config["passes"][0]["sparsity"] == 0.5
    assert config["model"]["hidden"] == [32, 16]
    assert config["event"] == {"name": "latency"}
    assert config["data"]["shuffle"] is True
    assert config["backend"] == "fused"
    assert config["name"] == "from the command line"


def test_override_creates_a_missing_section(write):
    path = write("min.yaml", "name: m\ndata: {name: digits}\nmodel: {name: mlp}\n")
    config = load(path, ["train.schedule.name=step", "train.schedule.step_size=5"])
    assert config["train"]["schedule"] == {"name": "step", "step_size": 5, "gamma": 0.1}


def test_override_on_unknown_key_suggests_and_blames_the_override(write):
    message = error_of(write("exp.yaml", VALID), ["train.optimzer.lr=0.1"])
    assert "--set train.optimzer.lr=0.1: train.optimzer: unknown key" in message
    assert "did you mean 'optimizer'?" in message


def test_bad_override_syntax_and_index(write):
    path = write("exp.yaml", VALID)
    message = error_of(path, ["epochs", "passes.5.bits=4", "seed.x=1", "train.epochs=ten"])
    lines = message.splitlines()
    assert len(lines) == 4
    assert "expected key.path=value" in lines[0]
    assert "expected a list index from 0 to 1, found '5'" in lines[1]
    assert "not a mapping" in lines[2]
    assert lines[3] == "--set train.epochs=ten: train.epochs: expected an integer, found str 'ten'"


# -- validation messages ---------------------------------------------------------------------


def test_misspelled_top_level_key(write):
    path = write("exp.yaml", VALID.replace("train:", "trian:"))
    message = error_of(path)
    assert "exp.yaml" in message
    assert "trian: unknown key 'trian'" in message
    assert "did you mean 'train'?" in message


def test_misspelled_keys_in_closed_sections(write):
    text = VALID.replace("lr:", "lrate:").replace("runs:", "rusn:").replace("epochs:", "epoch:")
    message = error_of(write("exp.yaml", text))
    assert "train.optimizer.lrate: unknown key" in message and "did you mean 'lr'?" in message
    assert "benchmark.rusn: unknown key" in message and "did you mean 'runs'?" in message
    assert "train.epoch: unknown key" in message and "did you mean 'epochs'?" in message


def test_unknown_plugin_name_lists_installed_and_suggests(write):
    message = error_of(write("exp.yaml", VALID.replace("name: mlp", "name: mpl")))
    assert (
        "unknown model 'mpl' at model.name; installed models: lenet, mlp, perceptron; "
        "did you mean 'mlp'?" in message
    )


def test_every_plugin_kind_is_checked(write):
    path = write("exp.yaml", VALID)
    message = error_of(
        path, ["backend=fsued", "data.name=digit", "passes.1.name=quantise", "event.name=memroy"]
    )
    assert "unknown backend 'fsued' at backend" in message and "did you mean 'fused'?" in message
    assert "unknown dataset 'digit' at data.name" in message
    assert (
        "unknown pass 'quantise' at passes.1.name" in message
        and "did you mean 'quantize'?" in message
    )
    assert "unknown event 'memroy' at event.name" in message


def test_unknown_optimizer_name(write):
    message = error_of(write("exp.yaml", VALID), ["train.optimizer.name=adma"])
    assert (
        "unknown optimizer 'adma' at train.optimizer.name; expected one of: adam, adamw, sgd"
        in message
    )
    assert "did you mean 'adam'?" in message


def test_wrong_type(write):
    message = error_of(write("exp.yaml", VALID.replace("epochs: 20", "epochs: ten")))
    assert "exp.yaml:6: train.epochs: expected an integer, found str 'ten'" in message


def test_bool_is_not_an_integer_and_string_is_not_a_number(write):
    path = write("exp.yaml", VALID)
    message = error_of(path, ["seed=true", "train.optimizer.lr='0.1'", "train.epochs=2.5"])
    assert "seed: expected an integer, found bool true" in message
    assert "train.optimizer.lr: expected a number, found str '0.1'" in message
    assert "train.epochs: expected an integer, found float 2.5" in message


def test_negative_or_zero_learning_rate(write):
    message = error_of(write("exp.yaml", VALID.replace("lr: 0.001", "lr: -0.1")))
    assert "train.optimizer.lr: expected a number > 0, found -0.1" in message
    assert "expected a number > 0, found 0" in error_of(
        write("zero.yaml", VALID), ["train.optimizer.lr=0"]
    )


def test_ranges(write):
    path = write("exp.yaml", VALID)
    message = error_of(
        path, ["data.batch_size=0", "train.epochs=-1", "benchmark.warmup=-1", "seed=-3"]
    )
    assert "data.batch_size: expected an integer > 0, found 0" in message
    assert "train.epochs: expected an integer >= 0, found -1" in message
    assert "benchmark.warmup: expected an integer >= 0, found -1" in message
    assert "seed: expected an integer >= 0, found -3" in message
    assert load(path, ["train.epochs=0", "benchmark.warmup=0"])["train"]["epochs"] == 0


def test_missing_required_keys_and_bad_pass_entries(write):
    path = write(
        "exp.yaml", "data: {batch_size: 8}\nmodel: mlp\npasses: [prune, {sparsity: 0.5}]\n"
    )
    message = error_of(path)
    assert "name: missing; expected a string" in message
    assert "data.name: missing; expected a dataset name" in message
    assert "model: expected a mapping, found str 'mlp'" in message
    assert "passes.0: expected a mapping, found str 'prune'" in message
    assert "passes.1.name: missing; expected a pass name" in message


def test_multiple_errors_are_reported_together_one_per_line(write):
    text = (
        VALID.replace("train:", "trian:")
        .replace("name: mlp", "name: mpl")
        .replace("runs: 50", "runs: 0")
    )
    with pytest.raises(ConfigError) as info:
        load(write("exp.yaml", text))
    lines = str(info.value).splitlines()
    assert len(lines) == 3 == len(info.value.problems)
    assert all(line.startswith(str(write("exp.yaml", text))) for line in lines)
    assert {p.path for p in info.value.problems} == {"trian", "model.name", "benchmark.runs"}


def test_config_that_is_not_a_mapping(write):
    assert "expected a mapping" in error_of(write("list.yaml", "- name: x\n- seed: 1\n"))
    assert "found an empty file" in error_of(write("empty.yaml", ""))
    assert "found str 'hello'" in error_of(write("scalar.yaml", "hello\n"))


def test_invalid_yaml_and_missing_file(write, tmp_path):
    message = error_of(write("bad.yaml", "name: [unclosed\n"))
    assert "bad.yaml: line" in message and "invalid YAML" in message
    assert "cannot read config" in error_of(tmp_path / "nope.yaml")


def test_python_object_tag_is_refused_and_never_run(write, tmp_path):
    marker = tmp_path / "pwned"
    path = write("evil.yaml", f'name: !!python/object/apply:os.system ["touch {marker}"]\n')
    message = error_of(path)
    assert "evil.yaml: line 1" in message
    assert "python/object/apply:os.system" in message
    assert "safe_load" in message
    assert not marker.exists()
    # The same tag smuggled in through --set is refused too.
    message = error_of(
        write("exp.yaml", VALID), [f'name=!!python/object/apply:os.system ["touch {marker}"]']
    )
    assert "python/object/apply:os.system" in message
    assert not marker.exists()


def test_validate_directly_and_partial_names():
    config = yaml.safe_load(VALID)
    # Kinds left out of `names` are not checked: handy when only some plugins matter.
    resolved = validate(config, source="inline", names={"models": ["mlp"]})
    assert resolved["benchmark"]["runs"] == 50
    assert config["train"] == {
        "epochs": 20,
        "optimizer": {"name": "adam", "lr": 0.001},
    }  # input untouched
    with pytest.raises(ConfigError) as info:
        validate({**config, "model": {"name": "cnn"}}, source="inline", names={"models": ["mlp"]})
    assert str(info.value) == ("inline: unknown model 'cnn' at model.name; installed models: mlp")


def test_broken_plugins_are_mentioned_with_unknown_names():
    names = {
        **NAMES,
        "broken": ["plugin 'gpu' from 'tinytorch-gpu' is broken: ImportError: no cupy"],
    }
    with pytest.raises(ConfigError) as info:
        validate({**yaml.safe_load(VALID), "backend": "gpu"}, source="x.yaml", names=names)
    assert "unknown backend 'gpu'" in str(info.value)
    assert "note: plugin 'gpu' from 'tinytorch-gpu' is broken" in str(info.value)


# -- config_hash ---------------------------------------------------------------------------------


def test_config_hash_is_stable_under_key_order_and_tracks_what_matters(write):
    config = load(write("exp.yaml", VALID))
    reordered = yaml.safe_load(VALID)
    reordered = {key: reordered[key] for key in reversed(list(reordered))}
    reordered["train"] = {"optimizer": {"lr": 0.001, "name": "adam"}, "epochs": 20}
    same = load(write("reordered.yaml", yaml.safe_dump(reordered, sort_keys=False)))
    assert config_hash(same) == config_hash(config)
    assert len(config_hash(config)) == 64

    assert config_hash(load(write("lr.yaml", VALID), ["train.optimizer.lr=0.01"])) != config_hash(
        config
    )
    assert config_hash(load(write("seed.yaml", VALID), ["seed=1"])) != config_hash(config)
    # Passes, event and benchmark act after training: they do not change the baseline.
    after = load(
        write("after.yaml", VALID), ["passes=[]", "benchmark.runs=5", "event.name=latency"]
    )
    assert config_hash(after) == config_hash(config)
    # Spelling a default out, or 1 for 1.0, does not change it either.
    explicit = load(
        write("explicit.yaml", VALID),
        ["train.optimizer.weight_decay=0", "train.optimizer.momentum=0"],
    )
    assert config_hash(explicit) == config_hash(config)
