"""Spelling help: the nearest name and the messages built from it."""

import pytest

from tinytorch.core.names import check_options, did_you_mean, nearest, unknown_option


def test_nearest_finds_a_close_name_and_nothing_for_a_far_one():
    assert nearest("adma", ["sgd", "adam", "adamw"]) == "adam"
    assert nearest("zzz", ["sgd", "adam"]) is None
    assert nearest(3, [1, 3]) == "3"  # candidates and name are compared as text


def test_did_you_mean_is_a_clause_to_append_or_nothing():
    assert did_you_mean("trian", ["train", "model"]) == "; did you mean 'train'?"
    assert did_you_mean("xyz", ["train"]) == ""
    assert did_you_mean(None, ["train"]) == ""  # a non-string key has no spelling to fix


def test_unknown_option_lists_the_valid_ones_and_suggests():
    assert unknown_option("lrr", ["lr", "betas"], "Adam") == (
        "unknown option 'lrr' for Adam; expected one of: lr, betas; did you mean 'lr'?"
    )
    assert unknown_option("x", []) == "unknown option 'x'; expected one of: (none)"


def test_check_options_raises_for_the_first_unknown_key_with_the_prefix():
    check_options({"lr": 1}, {"lr": 0.1}, "SGD")  # all known: nothing happens
    with pytest.raises(ValueError, match=r"^prune: unknown option 'sparsty'; .*did you mean 'sparsity'\?$"):
        check_options({"sparsty": 0.5}, {"sparsity": 0.5}, prefix="prune: ")
