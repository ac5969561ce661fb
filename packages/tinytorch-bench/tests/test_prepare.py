"""The one prepare step every command uses: config -> checked Config, data, seeded model."""

import numpy as np
import pytest

from tinytorch.bench.run.config import Config, ConfigError
from tinytorch.bench.run.prepare import prepare, resolve_config


def test_a_file_gives_the_config_its_data_and_a_model_sized_for_it(tiny):
    prepared = prepare(tiny, ["model.hidden=[8]"])
    assert isinstance(prepared.config, Config)
    assert prepared.config["model"]["hidden"] == [8]
    assert str(prepared.config.origin("model.hidden")) == "--set model.hidden=[8]"
    assert prepared.data.info["num_classes"] == 10
    assert prepared.model.state_dict()["1.weight"].shape == (8, 64)


def test_the_model_is_seeded_so_two_prepares_agree(tiny):
    first, second = prepare(tiny).model.state_dict(), prepare(tiny).model.state_dict()
    assert all(np.array_equal(first[key], second[key]) for key in first)
    other = prepare(tiny, ["seed=1"]).model.state_dict()
    assert not np.array_equal(first["1.weight"], other["1.weight"])


def test_a_dict_config_is_checked_like_a_file(monkeypatch):
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    config = {"name": "inline", "data": {"name": "digits"}, "model": {"name": "mlp", "hidden": [4]}}
    prepared = prepare(config)
    assert prepared.config["backend"] == "vectorized" and prepared.config.source == "<config>"
    with pytest.raises(ConfigError, match=r"<config>: model.hiden: unknown option 'hiden' for model 'mlp'"):
        prepare({**config, "model": {"name": "mlp", "hiden": [4]}})


def test_a_value_a_factory_refuses_is_blamed_on_the_line_that_set_it(tiny, tmp_path):
    path = tmp_path / "child.yaml"
    path.write_text(f"extends: {tiny}\nmodel:\n  name: mlp\n  activation: rleu\n")
    with pytest.raises(ConfigError) as info:
        prepare(path)
    assert str(info.value).startswith(f"{path}:4: model.activation: expected one of relu")
    assert "(model 'mlp')" in str(info.value)


def test_a_pass_that_refuses_the_model_is_blamed_on_its_entry(tiny):
    with pytest.raises(ConfigError) as info:
        prepare(tiny, ["passes=[{name: prune, sparsty: 0.5}]"])
    assert str(info.value).startswith("--set passes=[{name: prune, sparsty: 0.5}]: passes.0: prune: unknown option")


def test_a_resolved_config_passes_through_unchanged(tiny):
    config = resolve_config(tiny)
    assert resolve_config(config) is config
    assert prepare(config).config is config
