"""`tt bench`: what the benchmarks report and how, never how fast anything is."""

import json
import time

import numpy as np
import pytest
from click.testing import CliRunner

from tinytorch.bench.perf import generate, kernels, ops, overhead, report, timing, train
from tinytorch.bench.run.cli import main
from tinytorch.core import get_backend


def tt(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


# -- timing ------------------------------------------------------------------------------


def test_rounds_interleave_and_rotate():
    calls = []
    cases = {name: (lambda name=name: calls.append(name)) for name in "abc"}
    results = timing.interleaved(cases, repeats=3, warmup=1, sample_seconds=0)
    timed = calls[3:]  # after one warm-up call each
    assert timed == list("abc" "bca" "cab")
    assert all(len(m.times) == 3 for m in results.values())


def test_median_is_over_the_rounds(monkeypatch):
    samples = iter([0.001, 0.001, 0.005, 0.002, 0.100])  # warm-up, warm-up, then three rounds
    monkeypatch.setattr(timing, "_sample", lambda fn, number, limit=None: next(samples))
    (m,) = timing.interleaved({"only": lambda: None}, repeats=3, warmup=2).values()
    assert m.times == [0.005, 0.002, 0.100]
    assert m.median_ms == pytest.approx(5.0)


def test_a_call_past_the_limit_is_skipped_with_a_note():
    results = timing.interleaved({"slow": lambda: time.sleep(2), "fast": lambda: None}, repeats=2, limit=0.05)
    assert results["slow"].skipped and results["slow"].median_ms is None
    assert "skipped, > 0.05 s per call" in results["slow"].note
    assert len(results["fast"].times) == 2 and not results["fast"].note


def test_a_slow_call_gets_fewer_rounds_and_says_so(monkeypatch):
    monkeypatch.setattr(timing, "_sample", lambda fn, number, limit=None: 4.0)
    (m,) = timing.interleaved({"slow": lambda: None}, repeats=10, case_budget=10).values()
    assert len(m.times) == 2 and "2 rounds, not 10" in m.note


# -- tt bench train -----------------------------------------------------------------------


def test_train_json_maps_workload_to_backend_to_median_ms_and_ratios(tmp_path):
    path = tmp_path / "train.json"
    result = tt("bench", "train", "--workloads", "mlp", "--backends", "vectorized", "--repeats", "2",
                "--json", path)
    assert result.exit_code == 0, result.output
    assert "Training step" in result.output and "threads: NumPy BLAS" in result.output
    data = json.loads(path.read_text())
    assert data["mlp"]["vectorized"] > 0
    if data["threads"]["torch"] is not None:  # PyTorch is optional
        assert data["threads"]["torch"] == data["threads"]["blas"]
        ratio = data["ratios_to_torch"]["mlp"]["vectorized"]
        assert ratio == pytest.approx(data["mlp"]["vectorized"] / data["mlp"]["torch"])


def test_cpu_clock_needs_one_thread():
    result = CliRunner().invoke(main, ["bench", "train", "--clock", "cpu", "--threads", "2", "--no-torch"])
    assert result.exit_code == 2 and "use it with --threads 1" in result.output
    timing.set_clock("wall")


def test_ratios_to_a_reference():
    assert train.ratios_to({"a": 2.0, "b": None, "torch": 4.0}, "torch") == {"a": 0.5}
    assert train.ratios_to({"a": 2.0}, "torch") == {}


def test_an_unknown_backend_is_reported_cleanly():
    result = CliRunner().invoke(main, ["bench", "train", "--backends", "vectorised"])
    assert result.exit_code == 1
    assert "unknown backend 'vectorised'" in result.output and "did you mean 'vectorized'" in result.output
    assert "Traceback" not in result.output


def test_an_unknown_workload_is_reported_cleanly():
    result = CliRunner().invoke(main, ["bench", "train", "--workloads", "mlp,resnet"])
    assert result.exit_code == 2 and "unknown workload 'resnet'" in result.output


def test_the_gpt_workload_matches_pytorch_shapes():
    torch = pytest.importorskip("torch")
    model, _, x, y = train.tinytorch_gpt()
    theirs, _, tx, ty = train.torch_gpt(torch)
    assert model(x).shape == tuple(theirs(tx).shape) == (16, 128, 65)
    ours_count = sum(p.numel() for p in model.parameters())
    assert ours_count == sum(p.numel() for p in theirs.parameters())


def test_the_gemm_floor_replays_every_linear_product_of_a_step():
    step = train.tinytorch_step(train.tinytorch_mlp, "vectorized")
    assert kernels.linear_gemms(step, "vectorized") == [
        ((64, 784), (784, 256)), ((256, 64), (64, 784)),  # the input needs no gradient: no g @ w
        ((64, 256), (256, 128)), ((64, 128), (128, 256)), ((128, 64), (64, 256)),
        ((64, 128), (128, 10)), ((64, 10), (10, 128)), ((10, 64), (64, 128)),
    ]


def test_kernel_breakdown_adds_up_to_the_step():
    found = kernels.breakdown(train.tinytorch_step(train.tinytorch_mlp, "vectorized"), "vectorized", steps=1)
    assert {"linear", "linear_backward", "cross_entropy"} <= set(found["kernels"])
    assert sum(found["kernels"].values()) + found["outside_ms"] == pytest.approx(found["step_ms"])
    assert "linear" not in vars(get_backend("vectorized"))  # the wrappers are gone


# -- the other commands --------------------------------------------------------------------


def test_ops_reports_matmul_against_numpy(monkeypatch):
    monkeypatch.setattr(ops, "OPS", [ops._matmul(16)])
    result = ops.run(["vectorized"], repeats=2)
    label = "matmul 16x16 @ 16x16"
    assert set(result["ms"][label]) == {"vectorized", "numpy"}
    assert result["matmul_vs_numpy"]["vectorized"] == pytest.approx(
        result["ms"][label]["numpy"]["forward"] / result["ms"][label]["vectorized"]["forward"])


def test_generate_json_keys_and_model_size_from_config(tmp_path):
    config = tmp_path / "tiny.yaml"
    config.write_text("model: {name: gpt, d_model: 16, n_layers: 1, n_heads: 2}\ndata: {name: x, block_size: 64}\n")
    path = tmp_path / "gen.json"
    result = tt("bench", "generate", "--config", config, "--contexts", "36", "--repeats", "1", "--no-torch",
                "--json", path)
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text())
    row = data["contexts"]["36"]
    assert set(row["ms_per_token"]) == set(generate.MODES) and row["new_tokens"] == 4
    assert row["tokens_disagree"] == []  # every mode chose the tokens eager uncached decoding chose
    assert data["model"] == {"vocab_size": 65, "d_model": 16, "n_layers": 1, "n_heads": 2}
    assert data["model_source"] == str(config) and data["prompt_tokens"] == 32


def test_latency_times_eager_compiled_and_the_numpy_floor(tmp_path):
    path = tmp_path / "latency.json"
    result = tt("bench", "latency", "--repeats", "1", "--no-torch", "--json", path)
    assert result.exit_code == 0, result.output
    ms = json.loads(path.read_text())["ms"]
    assert set(ms) == {"mlp", "lenet", "gpt"} and set(ms["mlp"]) == {"eager", "compiled", "numpy"}


def test_trace_prints_each_kernel_and_the_totals(tmp_path):
    config = tmp_path / "mlp.yaml"
    config.write_text("name: t\ndata: {name: digits}\nmodel: {name: mlp, hidden: [8]}\n")
    result = tt("trace", config, "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "linear" in result.output and "2x64" in result.output and "kernels" in result.output


def test_generate_says_when_it_falls_back_to_default_size(tmp_path):
    size, source = generate.model_size(tmp_path / "missing.yaml")
    assert size == generate.DEFAULT_SIZE and source.startswith("defaults")


def test_overhead_is_per_op_and_net_of_numpy(tmp_path):
    path = tmp_path / "overhead.json"
    result = tt("bench", "overhead", "--ops", "10", "--repeats", "2", "--json", path)
    assert result.exit_code == 0, result.output
    data = json.loads(path.read_text())
    assert data["ops"] == 20
    for row in data["rows"].values():
        assert row["overhead_us"] == pytest.approx(row["tinytorch_us"] - row["numpy_us"])
    assert "profile" not in data and "function calls" in overhead.profile(n=5, calls=1)


# -- the report ----------------------------------------------------------------------------


@pytest.fixture
def results():
    """What `tt bench all` collects, with made-up numbers."""
    gpt_vec = {"step_ms": 100.0, "kernels": {"linear_backward": 50.0, "linear": 30.0, "gelu": 10.0}, "outside_ms": 10.0}
    gpt_fused = {"step_ms": 90.0, "kernels": {"linear_backward": 50.0, "linear": 30.0}, "outside_ms": 10.0}
    return {
        "command": "tt bench all --write docs/benchmarks.md",
        "machine": {"cpu": "Test CPU", "cores": 2, "cores_usable": 2, "python": "3.11", "numpy": "2.0",
                    "blas": "openblas", "torch": "2.0", "date": "today", "load_average": (1.0, 1.0, 1.0)},
        "threads": {"blas": 1, "torch": 1}, "clock": "cpu", "repeats": 5, "load_average_end": (2.0, 1.0, 1.0),
        "workloads": {"mlp": "an MLP", "gpt": "a GPT"},
        "train": {"ms_per_step": {"mlp": {"naive": None, "vectorized": 2.0, "fused": 1.5, "torch": 2.0},
                                  "gpt": {"naive": None, "vectorized": 100.0, "fused": 90.0, "torch": 60.0}},
                  "ratios_to_torch": {"mlp": {"vectorized": 1.0, "fused": 0.75}, "gpt": {"vectorized": 100 / 60, "fused": 1.5}},
                  "notes": {"gpt": {"naive": "skipped, > 20 s per call (stopped at the time limit)"}}},
        "breakdown": {"mlp": {}, "gpt": {"vectorized": gpt_vec, "fused": gpt_fused}},
        "gemm_floor": {"mlp": 1.0, "gpt": 70.0},
        "ops": {"ms": {"matmul 1024x1024 @ 1024x1024": {"vectorized": {"forward": 10.0, "forward_backward": 30.0},
                                                         "numpy": {"forward": 9.9}}},
                "gflops": {"matmul 1024x1024 @ 1024x1024": {"vectorized": 214.7, "numpy": 216.9}},
                "matmul_vs_numpy": {"vectorized": 0.99}, "matmul_shape": "matmul 1024x1024 @ 1024x1024", "notes": {}},
        "generate": {"vectorized": {
            "backend": "vectorized", "model": generate.DEFAULT_SIZE, "model_source": "defaults", "prompt_tokens": 32,
            "contexts": {64: {"new_tokens": 32, "notes": {}, "tokens_disagree": [], "ms_per_token": {
                             "cached compiled": 0.5, "cached eager": 1.0, "uncached compiled": 3.0,
                             "uncached eager": 3.0, "cached torch": 0.6, "uncached torch": 2.0}},
                         256: {"new_tokens": 224, "notes": {}, "tokens_disagree": [], "ms_per_token": {
                             "cached compiled": 0.5, "cached eager": 1.0, "uncached compiled": 6.0,
                             "uncached eager": 6.0, "cached torch": 0.6, "uncached torch": 5.0}}},
            "step_profile": {"step_us": 400.0, "calls": 48, "context": 256,
                             "kernels_us": {"linear": 200.0, "layer_norm": 100.0}}}},
        "latency": {"vectorized": {"backend": "vectorized", "notes": {}, "ms": {
            "mlp": {"eager": 0.05, "compiled": 0.02, "torch": 0.05, "numpy": 0.015}}}},
        "overhead": {"ops": 2000, "backend": "vectorized",
                     "rows": {"forward + backward": {"tinytorch_us": 10.0, "numpy_us": 2.0, "overhead_us": 8.0}}},
    }


def test_goals_are_judged_from_the_numbers(results):
    goals = {g.name: g for g in report.evaluate(results)}
    assert goals["vectorized matmul >= 0.95x NumPy GEMM throughput (1024x1024 float32)"].met is True
    assert goals["fused MLP step <= 1x PyTorch"].met is True
    gpt = goals["fused GPT step <= 1x PyTorch"]
    assert gpt.met is False and gpt.measured == "1.50x"
    assert gpt.why.startswith("50% over") and "`linear_backward` 56%" in gpt.why
    assert "take 70.0 ms, 1.17x PyTorch's whole step" in gpt.why and "bound by BLAS speed" in gpt.why
    speedup = goals["fused >= 1.3x faster than vectorized on the GPT step"]
    assert speedup.met is False and "at most 1.43x faster" in speedup.why  # 100 ms, of which GEMMs 70
    kv = goals["KV cache: compiled cached >= 15x faster than eager uncached, context 256 (vectorized)"]
    assert kv.met is False and kv.measured == "12.0x" and kv.why.startswith("20% short")
    assert goals["KV cache: compiled cached >= 4x faster than eager uncached, context 64 (vectorized)"].met is True
    decode = goals["compiled cached decode <= 0.5x PyTorch eager ms/token, context 256 (vectorized)"]
    assert decode.met is False and decode.measured == "0.83x" and "add up to 300 us (`linear` 200 us" in decode.why
    mlp = goals["batch-1 MLP latency compiled <= 0.5x PyTorch eager (vectorized)"]
    assert mlp.met is True and mlp.measured == "0.40x"
    assert goals["fused CNN step <= 1.5x PyTorch"].met is None  # no cnn measured: not judged


def test_markdown_has_the_machine_the_tables_and_the_goals(results):
    text = report.markdown(results, report.evaluate(results))
    assert "`tt bench all --write docs/benchmarks.md`" in text
    assert "| CPU | Test CPU |" in text and "(1.0, 1.0, 1.0) at the start, (2.0, 1.0, 1.0) at the end" in text
    assert "| `gpt` | skipped | 100.0 | 90.0 | 60.0 | 1.67 | 1.50 | 70.0 |" in text  # no naive ratio column
    assert "naive: skipped, > 20 s per call" in text
    assert "| fused GPT step <= 1x PyTorch | <= 1x | 1.50x | **missed** |" in text
    assert "| forward + backward | 10.00 | 2.00 | 8.00 |" in text


def test_the_user_gpt_trains_the_same_numbers_in_tinytorch_torch_and_pytorch(monkeypatch):
    torch = pytest.importorskip("torch")
    from tinytorch.bench.perf import usergpt

    monkeypatch.setattr(usergpt, "SIZE", dict(vocab_size=11, n_embd=8, n_layer=2, n_head=2, block_size=6))
    monkeypatch.setattr(usergpt, "BATCH", 3)
    assert train.WORKLOADS["usergpt"].tinytorch is usergpt.tinytorch_usergpt
    ours, ours_opt, x, y = usergpt.tinytorch_usergpt()
    theirs, theirs_opt, tx, ty = usergpt.torch_usergpt(torch)
    assert ours.lm_head.weight is ours.wte.weight and len(ours_opt.param_groups) == 2
    for _ in range(3):  # the workload's own step, on each side
        for step in (train.tinytorch_step(lambda: (ours, ours_opt, x, y), "vectorized"),
                     train.torch_step(lambda _: (theirs, theirs_opt, tx, ty), torch)):
            step()
    for name, array in ours.state_dict().items():
        np.testing.assert_allclose(array, theirs.state_dict()[name].numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
