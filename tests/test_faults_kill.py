"""``tt run`` killed at random moments (seeded) leaves only whole files, and can go on.

SIGKILL cannot be caught: no ``finally`` runs, no message is printed. What protects the
files is how they are written (``core/files.py``: a temporary renamed over the target;
``outputs.py``: ``metrics.json`` last; ``cache.py``: the record last, naming its weights'
sha256). Each run is killed a random moment after its first checkpoint appears, so the
kills land in training, a checkpoint, the cache or the result files; the runs share one
cache, at once. Every file left must read back whole. SIGTERM, which can be caught, must
behave like Ctrl-C: a message with the resume command, exit status 130.
"""

import random
import signal
import time

SEED = 12  # change it to kill at other moments
KILLS = 3
EPOCHS = 40


def stop_after_first_checkpoint(runs, delays, timeout=90):
    """Send each ``(process, out, signal)`` its signal ``delay`` seconds after ``out`` has a checkpoint."""
    seen, sent, deadline = {}, set(), time.monotonic() + timeout
    while any(p.poll() is None for p, _, _ in runs) and time.monotonic() < deadline:
        for (process, out, sig), delay in zip(runs, delays, strict=True):
            if process.poll() is None and out not in sent and (out / "checkpoint.npz").exists():
                seen.setdefault(out, time.monotonic())
                if time.monotonic() - seen[out] >= delay:
                    process.send_signal(sig)  # once: a second SIGTERM may end a process at once
                    sent.add(out)
        time.sleep(0.01)
    return [process.communicate(timeout=30) for process, _, _ in runs]


def test_sigkill_and_sigterm_leave_every_file_whole_or_absent(tmp_path, tt_process, tiny, whole):
    moments = random.Random(SEED)
    # Enough epochs that a run is still training when its delay is up, even on a fast machine.
    runs = [(tt_process("run", tiny, "--out", tmp_path / f"kill{i}", "--set", f"train.epochs={EPOCHS}"),
             tmp_path / f"kill{i}", signal.SIGKILL) for i in range(KILLS)]
    term = tmp_path / "term"
    runs.append((tt_process("run", tiny, "--out", term, "--set", "train.epochs=500"), term, signal.SIGTERM))
    delays = [moments.uniform(0, 0.6) for _ in range(KILLS)] + [0.0]
    outputs = stop_after_first_checkpoint(runs, delays)
    for _, out, _ in runs:
        whole(out, tmp_path / "cache")

    (_, err), process = outputs[-1], runs[-1][0]
    assert process.returncode == 130, err
    assert "interrupted in epoch" in err and f"--resume {term / 'checkpoint.npz'}" in err.replace("\n", "")
    assert "Traceback" not in err

    # A killed run goes on: resumed from its checkpoint (each was signalled after writing one).
    killed = [out for process, out, sig in runs if sig == signal.SIGKILL and process.returncode == -signal.SIGKILL]
    assert killed, "every run finished before its signal; raise EPOCHS"
    out = killed[0]
    process = tt_process("run", tiny, "--out", out, "--set", f"train.epochs={EPOCHS}", "--resume", out / "checkpoint.npz")
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    whole(out, tmp_path / "cache")
    assert (out / "metrics.json").exists()
