"""The profiler: FLOPs and bytes of known layers, latency percentiles, peak memory, benchmark."""

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.bench.olympics import profiler
from tinytorch.core import Tensor
from tinytorch.core.data import DataLoader, TensorDataset


def test_linear_flops_are_two_per_multiply_add():
    rows = profiler.profile_layers(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)),
                                   Tensor(np.zeros((1, 64), dtype=np.float32)), runs=2)
    flops = {row.name: row.flops for row in rows}
    assert flops == {"0": 2 * 64 * 128, "1": 0, "2": 2 * 128 * 10}
    assert [row.parameters for row in rows] == [64 * 128 + 128, 0, 128 * 10 + 10]
    assert rows[0].output_shape == (1, 128) and rows[0].bytes == 4 * (64 * 128 + 128)


def test_flops_scale_with_the_batch_and_the_sequence():
    rows = profiler.profile_layers(nn.Linear(8, 4), Tensor(np.zeros((3, 5, 8), dtype=np.float32)), runs=1)
    assert rows[0].flops == 2 * 3 * 5 * 8 * 4


def test_conv_flops_count_every_output_position():
    # 3 -> 8 channels, 3x3 kernel, padding 1 on 6x6: 36 positions of 27 multiply-adds per filter
    conv = nn.Conv2d(3, 8, 3, padding=1)
    rows = profiler.profile_layers(conv, Tensor(np.zeros((2, 3, 6, 6), dtype=np.float32)), runs=1)
    assert rows[0].flops == 2 * 2 * 36 * 27 * 8
    strided = nn.Conv2d(1, 4, 3, stride=2)  # 7x7 -> 3x3
    rows = profiler.profile_layers(strided, Tensor(np.zeros((1, 1, 7, 7), dtype=np.float32)), runs=1)
    assert rows[0].output_shape == (1, 4, 3, 3) and rows[0].flops == 2 * 9 * 9 * 4


def test_model_bytes_count_arrays_as_stored():
    class Int8Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("weight", np.zeros((10, 10), dtype=np.int8))
            self.register_buffer("scale", np.zeros(10, dtype=np.float16))

    assert profiler.model_bytes(Int8Layer()) == 100 + 20
    assert profiler.model_bytes(nn.Linear(10, 10)) == 4 * 110


def test_latency_reports_ordered_percentiles_in_milliseconds():
    model = nn.Sequential(nn.Linear(16, 16), nn.ReLU())
    result = profiler.latency(model, Tensor(np.ones((1, 16), dtype=np.float32)), warmup=2, runs=30)
    assert set(result) == {"p50", "p90", "p99", "mean"}
    assert 0 < result["p50"] <= result["p90"] <= result["p99"]
    assert model.training  # the mode is restored


def test_peak_memory_counts_the_weights_and_the_activations():
    model = nn.Linear(100, 1000)
    small = profiler.peak_memory(model, Tensor(np.ones((1, 100), dtype=np.float32)))
    large = profiler.peak_memory(model, Tensor(np.ones((200, 100), dtype=np.float32)))
    assert small >= profiler.model_bytes(model)
    assert large - small >= 199 * 1000 * 4  # the (200, 1000) float32 output at least


def test_benchmark_measures_what_the_events_score():
    x = np.eye(4, dtype=np.float32)[[0, 1, 2, 3, 0, 1]]
    y = np.array([0, 1, 2, 3, 0, 1])
    model = nn.Linear(4, 4, bias=False)
    model.weight.data[...] = np.eye(4)[[0, 1, 3, 2]]  # right on classes 0 and 1, wrong on 2 and 3
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    result = profiler.benchmark(model, loader, warmup=1, runs=5, batch_size=1, throughput_batch=4)
    assert result["accuracy"] == pytest.approx(4 / 6) and result["test_examples"] == 6
    assert result["model_bytes"] == 64 and result["stored_values"] == 16 and result["flops"] == 32
    assert result["latency_batch_size"] == 1 and result["throughput_batch_size"] == 4
    assert result["throughput"] > 0 and result["peak_memory_bytes"] >= 64
    assert result["layers"][0]["kind"] == "Linear"



def test_a_single_logit_model_is_scored_by_its_sign_as_in_training():
    # One logit per example is a binary classifier: class 1 when the logit is positive,
    # as the Trainer counts it. Argmax over a single column would call everything class 0.
    x = np.array([[2.0], [-1.0], [3.0], [-0.5]], dtype=np.float32)
    y = np.array([1, 0, 1, 1])  # the last one is wrong
    model = nn.Linear(1, 1, bias=False)
    model.weight.data[...] = 1.0
    assert profiler.accuracy(model, DataLoader(TensorDataset(x, y), batch_size=2)) == (0.75, 4)


def test_stored_values_count_buffers_too_unlike_num_parameters():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3))  # running mean and variance are buffers
    assert profiler.stored_values(model) == sum(array.size for array in model.state_dict().values())
    assert profiler.stored_values(model) > model.num_parameters() == 4 * 3 + 3 + 3 + 3
