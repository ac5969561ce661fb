"""nn.save / nn.load: round trips, atomic writes, and files that must be refused."""

import os

import numpy as np
import pytest

import tinytorch.nn as nn
from tinytorch.core import Tensor


def make_model():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(8, 3))


def test_round_trip_through_a_file(tmp_path, rng):
    model = make_model()
    x = Tensor(rng.standard_normal((4, 1, 4, 4)).astype(np.float32))
    model(x)  # running statistics move
    model.eval()
    path = tmp_path / "model.npz"
    nn.save(model, path)
    assert os.listdir(tmp_path) == ["model.npz"]  # the temporary file was renamed, not left behind

    state = nn.load(path)
    assert list(state) == list(model.state_dict())
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(state[name], value, err_msg=name)
        assert state[name].dtype == value.dtype

    copy = nn.load(str(path), make_model()).eval()
    np.testing.assert_array_equal(copy(x).data, model(x).data)


def test_save_a_state_dict_with_mixed_dtypes_and_overwrite(tmp_path):
    path = tmp_path / "q.npz"
    nn.save({"w": np.zeros(3, dtype=np.float32)}, path)
    nn.save({"w": np.arange(6, dtype=np.int8).reshape(2, 3), "scale": Tensor([0.5])}, path)
    state = nn.load(path)
    assert state["w"].dtype == np.int8 and state["w"].shape == (2, 3)
    assert state["scale"].dtype == np.float32
    assert sorted(os.listdir(tmp_path)) == ["q.npz"]


def test_save_refuses_object_arrays_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    nn.save({"a": np.ones(2)}, path)
    with pytest.raises(ValueError, match="cannot save 'b': it is an object array"):
        nn.save({"b": np.array([{"x": 1}], dtype=object)}, path)
    np.testing.assert_array_equal(nn.load(path)["a"], [1, 1])


def test_load_into_a_mismatched_model_names_the_file(tmp_path):
    path = tmp_path / "m.npz"
    nn.save(nn.Linear(4, 3), path)
    with pytest.raises(RuntimeError, match=r"(?s)m.npz: .*size mismatch for 'weight': the state has shape \(3, 4\), "
                                           r"the model has shape \(2, 4\)"):
        nn.load(path, nn.Linear(4, 2))


def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "cut.npz"
    nn.save(make_model(), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="cut.npz is truncated or corrupt"):
        nn.load(path)


def test_corrupt_member_is_a_clear_error(tmp_path):
    path = tmp_path / "bad.npz"
    nn.save({"w": np.arange(1000, dtype=np.float32)}, path)
    data = bytearray(path.read_bytes())
    data[200:260] = b"\x00" * 60  # inside the stored array: the CRC no longer matches
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="bad.npz"):
        nn.load(path)


def test_a_file_that_is_not_npz_is_a_clear_error(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(ValueError, match="notes.npz is not a .npz archive"):
        nn.load(path)
    with pytest.raises(FileNotFoundError):
        nn.load(tmp_path / "missing.npz")


def test_pickled_object_array_is_refused_and_never_run(tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):  # unpickling this would create the marker directory
            return os.makedirs, (str(marker),)

    path = tmp_path / "evil.npz"
    np.savez(path, weight=np.array([Payload()], dtype=object))
    with pytest.raises(ValueError, match="evil.npz holds an object array.*it was not loaded"):
        nn.load(path)
    with pytest.raises(ValueError, match="evil.npz"):
        nn.load(path, nn.Linear(1, 1))
    assert not marker.exists()


def test_zip_member_that_is_not_an_array_is_refused(tmp_path):
    import zipfile

    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("weight.txt", "1 2 3")
    with pytest.raises(ValueError, match="odd.npz: member 'weight.txt' is not a NumPy array"):
        nn.load(path)


@pytest.mark.parametrize("weight, words", [
    (np.full((3, 4), np.nan, dtype=np.float32), "'weight' holds 12 NaN or infinite values"),
    (np.ones((3, 4), dtype=np.complex64), "'weight' has dtype complex64; expected real numbers"),
    (np.full((3, 4), "w"), "'weight' has dtype <U1; expected real numbers"),
])
def test_weights_that_are_not_finite_reals_are_refused_and_the_model_kept(tmp_path, weight, words):
    path = tmp_path / "m.npz"
    model = nn.Linear(4, 3)
    before = model.weight.data.copy()
    nn.save({"weight": weight, "bias": np.zeros(3, dtype=np.float32)}, path)
    with pytest.raises(ValueError, match=words):
        nn.load(path, model)
    np.testing.assert_array_equal(model.weight.data, before)
