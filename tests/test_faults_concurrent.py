"""Runs at the same time: two on one directory (one wins, the other says why), all on one cache."""

import json


def test_two_runs_on_one_directory_and_three_on_one_cache(tmp_path, tt_process, tiny, whole):
    shared, other = tmp_path / "shared", tmp_path / "other"
    first = tt_process("run", tiny, "--out", shared, "--set", "train.epochs=1")
    second = tt_process("run", tiny, "--out", shared, "--set", "train.epochs=2")
    third = tt_process("run", tiny, "--out", other, "--set", "train.epochs=2")  # same cache entry as second
    results = [(p, *p.communicate(timeout=120)) for p in (first, second, third)]
    codes = [p.returncode for p, _, _ in results]
    assert sorted(codes[:2]) == [0, 1] and codes[2] == 0, results
    winner, loser = (0, 1) if codes[0] == 0 else (1, 0)
    message = results[loser][2]
    assert ("another tt run is using this directory" in message
            or "expected an empty or new directory" in message), message  # at once, or after the winner
    assert "Traceback" not in message
    for out in (shared, other):
        whole(out, tmp_path / "cache")
    assert json.loads((shared / "metrics.json").read_text())["epochs"] == winner + 1  # the winner's files only
