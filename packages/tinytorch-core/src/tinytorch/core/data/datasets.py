"""The built-in datasets, registered through the same hook a third-party plugin uses.

Each factory takes keyword options and returns `DatasetSplits(train, test, info)`: two
`TensorDataset`s of float32 inputs and int64 labels, and a dict with ``name``,
``num_classes`` and ``input_shape`` (of one example).

From easiest to hardest:

- ``perceptron``: two 2-D blobs with a gap between them; a single line separates them.
- ``xor``: the four corners of the XOR truth table; no single line can, a hidden layer can.
- ``digits``: 1,797 8x8 handwritten digits, shipped inside the package (no download).
- ``mnist`` / ``fashion-mnist``: 70,000 28x28 images each, found or fetched by `sources`.
- ``cifar10``: 60,000 32x32 colour photos, found or fetched the same way (`cifar.py`).

Read next: `sources.py` for how the MNIST files are found and checked, or the model zoo in
tinytorch-bench for what trains on these.
"""

from __future__ import annotations

import gzip
import io
from functools import lru_cache
from importlib import resources

import numpy as np

from tinytorch.core import plugins
from tinytorch.core.data.cifar import cifar10
from tinytorch.core.data.dataset import DatasetSplits, TensorDataset
from tinytorch.core.data.sources import DataFile, check_bytes, fetch, read_idx
from tinytorch.core.hookspecs import hookimpl


@hookimpl
def tinytorch_register_datasets(register):
    register("perceptron", perceptron)
    register("xor", xor)
    register("digits", digits)
    register("mnist", mnist)
    register("fashion-mnist", fashion_mnist)
    register("cifar10", cifar10)


def load_dataset(name: str, **options) -> DatasetSplits:
    """The dataset registered as `name` (built in or by a plugin), built with `options`."""
    return plugins.lookup("datasets", name)(**options)


def _split(x, y, test_fraction, seed, **info) -> DatasetSplits:
    """A stratified train/test split: each class keeps its share in both halves."""
    if not 0 <= test_fraction < 1:
        raise ValueError(f"test_fraction must be in [0, 1), found {test_fraction}")
    rng = np.random.default_rng(seed)
    is_test = np.zeros(len(y), dtype=bool)
    for label in np.unique(y):
        members = rng.permutation(np.flatnonzero(y == label))
        is_test[members[: round(len(members) * test_fraction)]] = True
    x, y = x.astype(np.float32), y.astype(np.int64)
    return DatasetSplits(
        TensorDataset(x[~is_test], y[~is_test]),
        TensorDataset(x[is_test], y[is_test]),
        {**info, "input_shape": tuple(x.shape[1:])},
    )


# --- toy 2-D problems ------------------------------------------------------------------

# Perceptron data is separated by the line x0 + x1 = 0 with at least this gap on each side.
PERCEPTRON_MARGIN = 0.5
PERCEPTRON_NORMAL = np.array([1.0, 1.0]) / np.sqrt(2)


def perceptron(n: int = 200, seed: int = 0, test_fraction: float = 0.25) -> DatasetSplits:
    """`n` points in two Gaussian blobs, labels 0/1, linearly separable with a margin.

    Blobs centred at (-1.5, -1.5) and (1.5, 1.5); points closer than PERCEPTRON_MARGIN to
    the line x0 + x1 = 0 are redrawn, so the perceptron convergence theorem applies.
    """
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for label, side in ((0, -1.0), (1, 1.0)):
        count = n // 2 + (label < n % 2)
        points = np.empty((0, 2))
        while len(points) < count:  # rejection sampling; rarely loops twice
            draw = side * 1.5 + rng.normal(scale=0.7, size=(count, 2))
            outside = side * draw @ PERCEPTRON_NORMAL >= PERCEPTRON_MARGIN
            points = np.concatenate([points, draw[outside]])
        xs.append(points[:count])
        ys.append(np.full(count, label))
    order = rng.permutation(n)
    x, y = np.concatenate(xs)[order], np.concatenate(ys)[order]
    return _split(x, y, test_fraction, seed, name="perceptron", num_classes=2)


def xor(n: int = 200, noise: float = 0.1, seed: int = 0,
        test_fraction: float = 0.25) -> DatasetSplits:
    """`n` points near the corners of the unit square, label = x0 XOR x1 (0/1)."""
    rng = np.random.default_rng(seed)
    corners = np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    which = rng.permutation(np.arange(n) % 4)  # equal numbers per corner, shuffled
    x = corners[which] + rng.normal(scale=noise, size=(n, 2))
    y = corners[which, 0] ^ corners[which, 1]
    return _split(x, y, test_fraction, seed, name="xor", num_classes=2)


# --- digits: shipped in the package ------------------------------------------------------

DIGITS_SHA256 = "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22"


@lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    packed = (resources.files("tinytorch.core.data") / "files" / "digits.csv.gz").read_bytes()
    check_bytes(packed, DIGITS_SHA256, "tinytorch/core/data/files/digits.csv.gz")
    table = np.loadtxt(io.BytesIO(gzip.decompress(packed)), delimiter=",", dtype=np.int64)
    return table[:, :64], table[:, 64]  # 64 pixels 0..16, then the label


def digits(test_fraction: float = 0.2, seed: int = 0, flatten: bool = True) -> DatasetSplits:
    """The UCI 8x8 digits: 1,797 images, pixels scaled to [0, 1], labels 0..9.

    Inputs are (64,) vectors, or (1, 8, 8) images with ``flatten=False`` (channels first,
    ready for Conv2d).
    """
    pixels, labels = _digits_arrays()
    x = pixels / 16.0
    if not flatten:
        x = x.reshape(-1, 1, 8, 8)
    return _split(x, labels, test_fraction, seed, name="digits", num_classes=10)


# --- MNIST and Fashion-MNIST: found or downloaded ------------------------------------------

_IDX_NAMES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")

# MD5 of the *uncompressed* IDX bytes (see sources.DataFile for why): the published values,
# except Fashion-MNIST's t10k labels, whose upstream lists only the .gz MD5; that one was
# computed from the upstream file, which is byte-identical to the one in shared/data.
_MNIST_MD5 = ("6bbc9ace898e44ae57da46a324031adb", "a25bea736e30d166cdddb491f175f624",
              "2646ac647ad5339dbf082846283269ea", "27ae3e4e09519cfbb04c329615203637")
_FASHION_MD5 = ("f4a8712d7a061bf5bd6d2ca38dc4d50a", "9018921c3c673c538a1fc5bad174d6f9",
                "8181f5470baa50b63fa0f6fddb340f0a", "15d484375f8d13e6eb1aabb0c3f46965")

MNIST_FILES = tuple(
    DataFile(f"mnist/{name}", f"https://ossci-datasets.s3.amazonaws.com/mnist/{name}",
             md5, algorithm="md5", gunzipped=True)
    for name, md5 in zip(_IDX_NAMES, _MNIST_MD5)
)
FASHION_MNIST_FILES = tuple(
    DataFile(f"fashion-mnist/{name}",
             f"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/{name}",
             md5, algorithm="md5", gunzipped=True)
    for name, md5 in zip(_IDX_NAMES, _FASHION_MD5)
)
FASHION_MNIST_HINT = (
    "Offline on Debian/Ubuntu: `apt-get install dataset-fashion-mnist` installs all four "
    "files in /usr/share/datasets/fashion-mnist/; copy or link them to the paths above."
)
FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                   "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


@lru_cache(maxsize=2)  # each entry holds ~220 MB of float32 images
def _decoded(paths: tuple, mean: float | None, std: float | None) -> tuple:
    # Keyed on the resolved paths, so pointing TINYTORCH_DATA elsewhere is a new entry.
    # Decoding and converting 60,000 images takes about a second; do it once a process.
    arrays = []
    for images, labels in (paths[:2], paths[2:]):
        x = read_idx(images).astype(np.float32) / 255.0
        if mean is not None:
            x = (x - mean) / std
        y = read_idx(labels).astype(np.int64)
        for a in (x, y):
            a.flags.writeable = False  # shared by every caller: nobody may edit it in place
        arrays += [x, y]
    return tuple(arrays)


def _idx_dataset(files, name, mean, std, flatten, normalize, limit, hint="", **info):
    paths = tuple(str(p) for p in fetch(list(files), hint))
    if not normalize:
        mean = std = None
    x_train, y_train, x_test, y_test = _decoded(paths, mean, std)
    shape = (784,) if flatten else (1, 28, 28)
    x_train, x_test = x_train.reshape(-1, *shape), x_test.reshape(-1, *shape)
    if limit is not None:
        x_train, y_train = x_train[:limit], y_train[:limit]
    info = {"name": name, "num_classes": 10, "input_shape": shape, **info}
    return DatasetSplits(TensorDataset(x_train, y_train), TensorDataset(x_test, y_test), info)


def mnist(flatten: bool = True, normalize: bool = True,
          limit: int | None = None) -> DatasetSplits:
    """MNIST: 60,000 train and 10,000 test handwritten digits, 28x28, labels 0..9.

    Pixels are scaled to [0, 1], then (``normalize=True``) standardized with the training
    set's mean 0.1307 and std 0.3081. ``flatten=False`` gives (1, 28, 28) images.
    ``limit`` keeps only the first `limit` training examples (the test set stays whole).
    """
    return _idx_dataset(MNIST_FILES, "mnist", 0.1307, 0.3081, flatten, normalize, limit)


def fashion_mnist(flatten: bool = True, normalize: bool = True,
                  limit: int | None = None) -> DatasetSplits:
    """Fashion-MNIST: MNIST's format and sizes, with 10 kinds of clothing instead of digits.

    Options as in `mnist`; ``normalize`` uses Fashion-MNIST's own training mean 0.2860
    and std 0.3530. ``info["classes"]`` names the labels.
    """
    return _idx_dataset(FASHION_MNIST_FILES, "fashion-mnist", 0.2860, 0.3530, flatten,
                        normalize, limit, FASHION_MNIST_HINT, classes=FASHION_CLASSES)
