"""The leaderboard page end to end: ``tt leaderboard serve`` in its own process, a real
headless Chromium (Debian's, driven by Playwright) on it, and a run submitted with
``tt submit`` while the page is open, which must appear without anyone reloading it.

Needs the ``playwright`` Python package and a Chromium (``/usr/bin/chromium``, or the
path in ``TINYTORCH_CHROMIUM``); Playwright's own browser download is never used. Skipped
without them, except that the competition tox env (``TINYTORCH_COMPETITION=1``) fails
without playwright, and a ``TINYTORCH_CHROMIUM`` that names no browser fails (``.ci/run``
installs Debian's and sets it).
"""

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinytorch.bench.competition import db
from tinytorch.bench.run.cli import main

from .conftest import need, required, variant

CHROMIUM = os.environ.get("TINYTORCH_CHROMIUM", "/usr/bin/chromium")
# The machine's network is closed: nothing Chromium would fetch in the background.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = Path(os.environ.get("TINYTORCH_SCREENSHOTS", "/tmp"))


@pytest.fixture
def browser(tmp_path):
    """A Chromium page, in a fresh profile."""
    sync_playwright = required("playwright.sync_api").sync_playwright
    for module in ("starlette", "uvicorn"):  # the web extra
        required(module)
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        # a system package, not a Python one: required only where TINYTORCH_CHROMIUM names it (.ci/run)
        need(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set TINYTORCH_CHROMIUM)",
             required="TINYTORCH_CHROMIUM" in os.environ)
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"), executable_path=CHROMIUM, headless=True, args=FLAGS,
            viewport={"width": 1400, "height": 1000})
        try:
            page = context.new_page()
            page.set_default_timeout(20_000)
            yield page
        finally:
            context.close()


@pytest.fixture
def server(db_url):
    """``tt leaderboard serve`` on a free port, in its own process: its base URL."""
    command = [sys.executable, "-c", "from tinytorch.bench.run.cli import main; main()",
               "leaderboard", "serve", "--db", db_url, "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = _first_line(process, timeout=60)
        assert " at http://" in line, line
        yield line.split(" at ", 1)[1].split()[0].rstrip("/")
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _first_line(process, timeout):
    """The first line the server prints ("serving ... at http://host:port/"), or what it said before dying."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([process.stdout], [], [], 0.5)
        if ready:
            return process.stdout.readline()
        if process.poll() is not None:
            return process.stdout.read()
    raise AssertionError(f"tt leaderboard serve printed nothing in {timeout} s")


def ranked_runs(page):
    return page.locator("section").first.locator("tbody tr td:nth-child(2) a").all_inner_texts()


def test_the_page_ranks_shows_an_entry_and_updates_as_a_run_is_submitted(browser, server, olympics_run, db_url,
                                                                       tmp_path):
    engine = db.connect(db_url)
    sweep = db.new_sweep(engine, "bob's grid", "configs/test/tiny_mlp.yaml", {"passes.0.sparsity": [0.5]})
    db.store(engine, variant(olympics_run, tmp_path / "class" / "alice", score=6.0, accuracy=0.8))
    db.store(engine, variant(olympics_run, tmp_path / "class" / "bob", score=2.0, accuracy=0.8), sweep_id=sweep,
             params={"passes.0.sparsity": 0.5})
    page = browser
    page.goto(server + "/")
    assert page.locator("h2").first.inner_text() == "digits: Memory Challenge (memory)"
    assert ranked_runs(page) == ["alice", "bob"]
    assert page.locator("section svg circle").count() == 2
    assert page.locator("tbody tr", has_text="bob").inner_text().count(f"sweep #{sweep}: passes.0.sparsity=0.5") == 1

    page.get_by_role("link", name="alice", exact=True).first.click()
    page.wait_for_url("**/entry/*")
    assert page.locator("h1").inner_text().endswith("alice")
    for heading in ("Grades", "Per-layer profile", "Config", "Manifest", "Report"):
        assert page.get_by_role("heading", name=heading, exact=True).count() == 1, heading
    assert page.locator("td", has_text="QuantizedLinear").count() == 2
    page.screenshot(path=str(SCREENSHOTS / "tinytorch-leaderboard-entry.png"), full_page=True)

    page.get_by_role("link", name="leaderboard").click()
    page.wait_for_url(server + "/")
    page.evaluate("window.notReloaded = true")  # gone once the page reloads itself
    with page.expect_event("load", timeout=20_000):  # the page's own poll reloads it; nobody else does
        result = CliRunner().invoke(main, ["submit", str(olympics_run), "--db", db_url])
        assert result.exit_code == 0, result.output
    assert page.evaluate("window.notReloaded") is None
    page.locator("section").first.locator("tbody tr").nth(2).wait_for()
    assert ranked_runs(page) == ["alice", "bob", "run"]  # the real run is disqualified: last
    assert page.locator("section svg circle").count() == 3
    page.screenshot(path=str(SCREENSHOTS / "tinytorch-leaderboard.png"), full_page=True)


def test_the_page_lists_every_trial_of_a_24_trial_sweep(browser, server, olympics_run, db_url, tmp_path):
    engine = db.connect(db_url)
    grid = {"passes.0.sparsity": [0.3, 0.5, 0.7, 0.8], "passes.0.finetune_epochs": [0, 2, 5], "quantize": [True, False]}
    sweep = db.new_sweep(engine, "memory grid", "configs/olympics/memory.yaml", grid)
    trials = [(s, e, q) for s in grid["passes.0.sparsity"] for e in grid["passes.0.finetune_epochs"] for q in grid["quantize"]]
    for number, (sparsity, epochs, quantize) in enumerate(trials):
        run = variant(olympics_run, tmp_path / "sweep" / f"trial-{number:02d}", score=1.0 + number,
                      model_bytes=10_000 - 300 * number)
        db.store(engine, run, sweep_id=sweep,
                 params={"passes.0.sparsity": sparsity, "passes.0.finetune_epochs": epochs, "quantize": quantize})
    browser.goto(server + "/")
    assert ranked_runs(browser) == [f"trial-{n:02d}" for n in reversed(range(24))]  # highest score first
    assert browser.locator("section svg circle").count() == 24
    assert browser.locator("tbody tr", has_text=f"sweep #{sweep}").count() == 24
