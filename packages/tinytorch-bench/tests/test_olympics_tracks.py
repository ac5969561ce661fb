"""The vision and language tracks: configs, a tiny GPT through the Olympics (quick mode),
validity, the manifest, `tt verify` passing and failing, and events for both kinds."""

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinytorch import text
from tinytorch.bench.olympics import events, loadgen, tasks
from tinytorch.bench.run.cli import main
from tinytorch.core.data import DataLoader
from tinytorch.optim.passes import PassContext, apply_passes

OLYMPICS = Path(__file__).resolve().parents[3] / "configs" / "olympics"
EVENTS = ("latency", "memory", "accuracy", "all_around", "extreme")

TINY_GPT = """
name: tiny-gpt
seed: 0
data: {name: tinyshakespeare, batch_size: 8, block_size: 16, windows_per_epoch: 32, test_fraction: 0.01}
model: {name: gpt, d_model: 16, n_layers: 1, n_heads: 2}
train: {epochs: 1, optimizer: {name: adamw, lr: 0.01}}
passes: [{name: kv-cache, check_tokens: 4}, {name: quantize, embeddings: true}]
event: {name: all_around}
benchmark: {quick: true, runs: 5}
"""


def tt(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("track", ["vision", "language"])
@pytest.mark.parametrize("event", EVENTS)
def test_every_track_config_is_valid(track, event):
    result = tt("config", "validate", OLYMPICS / track / f"{event}.yaml")
    assert result.exit_code == 0 and "OK" in result.output, result.output


@pytest.fixture
def gpt_run(tmp_path):
    config = tmp_path / "tiny_gpt.yaml"
    config.write_text(TINY_GPT)
    out = tmp_path / "runs" / "gpt"
    result = tt("run", config, "--out", out)
    assert result.exit_code == 0, result.output
    return out, result.output


def test_a_gpt_competes_with_language_metrics_a_manifest_and_a_verdict(gpt_run):
    out, output = gpt_run
    metrics = json.loads((out / "metrics.json").read_text())
    base, opt, event = metrics["baseline"], metrics["optimized"], metrics["event"]
    for section in (base, opt):
        assert {"loss", "accuracy", "time_to_first_token_ms", "kv_cache_bytes", "loadgen"} <= set(section)
        assert section["throughput_unit"] == "tokens/s" and section["throughput_batch_size"] == 8
        assert section["loadgen"]["mode"] == "quick"
    assert base["decode_with_cache"] is False and opt["decode_with_cache"] is True
    assert base["kv_cache_bytes"] == 0 < opt["kv_cache_bytes"]
    assert opt["model_bytes"] < 0.3 * base["model_bytes"]
    assert event["valid"] is False and "quick mode" in event["valid_reason"]
    assert "INVALID: baseline measurement: quick mode" in output
    assert "INVALID" in (out / "report.md").read_text()
    manifest = metrics["manifest"]
    for key in ("cpu", "cores", "python", "numpy", "blas", "blas_threads", "seeds", "config_hash",
                "config_sha256", "code", "model_sha256"):
        assert key in manifest, key
    assert manifest["config_hash"] == metrics["config_hash"] and "manifest" in output
    assert metrics["track"] == "tinyshakespeare"


def test_verify_passes_on_the_run_and_fails_on_an_edited_copy(gpt_run, tmp_path):
    out, _ = gpt_run
    good = tt("verify", out)
    assert good.exit_code == 0 and "verified" in good.output, good.output
    edited = tmp_path / "edited"
    shutil.copytree(out, edited)
    metrics = json.loads((edited / "metrics.json").read_text())
    metrics["optimized"]["loss"] *= 0.9  # a better validation loss than the model has
    (edited / "metrics.json").write_text(json.dumps(metrics))
    bad = tt("verify", edited)
    assert bad.exit_code == 1 and "FAILED" in bad.output
    assert "optimized validation loss" in bad.output


def test_verify_fails_when_the_model_is_swapped(gpt_run, tmp_path):
    out, _ = gpt_run
    swapped = tmp_path / "swapped"
    shutil.copytree(out, swapped)
    other = tmp_path / "other.yaml"
    other.write_text(TINY_GPT.replace("passes: [{name: kv-cache, check_tokens: 4}, {name: quantize, embeddings: true}]",
                                      "passes: [{name: kv-cache, check_tokens: 4}]"))
    assert tt("run", other, "--out", tmp_path / "other").exit_code == 0
    shutil.copy(tmp_path / "other" / "model.npz", swapped / "model.npz")  # a float32 model
    bad = tt("verify", swapped)
    assert bad.exit_code == 1 and "model.npz is not the model the run saved" in bad.output


def test_verify_fails_when_the_score_is_edited(gpt_run, tmp_path):
    out, _ = gpt_run
    metrics = json.loads((out / "metrics.json").read_text())
    metrics["event"]["score"] *= 10
    (out / "metrics.json").write_text(json.dumps(metrics))
    bad = tt("verify", out)
    assert bad.exit_code == 1 and "event verdict" in bad.output


@pytest.mark.parametrize("passes", [[{"name": "compile"}], [{"name": "kv-cache", "check_tokens": 2}, {"name": "compile"}]])
def test_a_compiled_gpt_measures_the_same_quality_as_eager(passes):
    data = text.tinyshakespeare(block_size=8, windows_per_epoch=4, test_fraction=0.002)
    loader = DataLoader(data.test, batch_size=64)
    model = text.GPT(data.info["vocab_size"], 16, 1, 2, 8)
    with tasks.Evaluating(model):
        eager = tasks.LanguageTask(model, loader, 4).quality()
    compiled = apply_passes(model, passes, PassContext(test_loader=loader))
    task = tasks.LanguageTask(compiled, loader, 4)
    with tasks.Evaluating(compiled):
        assert task.quality()["loss"] == pytest.approx(eager["loss"], rel=1e-5)
    assert task.measure(loadgen.Settings.from_config({"quick": True}))["loadgen"]["queries"] == 64


def measured(accuracy=0.5, loss=None, p50=1.0, nbytes=100, short=None):
    section = {"accuracy": accuracy, "latency_ms": {"p50": p50}, "model_bytes": nbytes,
               "loadgen": {"short": short, "queries": 1024}}
    if loss is not None:
        section["loss"] = loss
    return section


@pytest.mark.parametrize("loss, qualified", [(1.5 * 1.009, True), (1.5 * 1.011, False)])
def test_a_language_model_is_held_to_1_percent_of_the_baselines_loss(loss, qualified):
    result = events.MemoryChallenge().score(measured(loss=1.5), measured(accuracy=0.1, loss=loss, nbytes=25))
    assert result["qualified"] is qualified and result["valid"] is qualified
    if not qualified:
        assert "validation loss" in result["valid_reason"]


def test_extreme_push_loosens_the_loss_target():
    result = events.ExtremePush().score(measured(loss=1.5), measured(loss=1.5 * 1.04, nbytes=10))
    assert result["qualified"] and result["valid"]


def test_a_short_measurement_is_not_valid_even_when_it_qualifies():
    result = events.LatencySprint().score(measured(), measured(p50=0.5, short="quick mode"))
    assert result["qualified"] and not result["valid"] and "optimized measurement: quick mode" in result["valid_reason"]


def test_tt_events_states_both_kinds_of_model():
    result = tt("events")
    assert result.exit_code == 0
    assert result.output.count("language model") >= 5 and "validation loss" in result.output
