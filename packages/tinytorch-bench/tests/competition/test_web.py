"""The leaderboard web app through Starlette's test client, on a database of real runs.

One real Olympics run (the ``olympics_run`` fixture) is stored as it is, and copies of it
with other scores stand in for the rest of a class: ``db.store`` checks nothing, so a copy
with an edited ``metrics.json`` ranks like any other entry.
"""

import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from tinytorch.bench.competition import db, web

from .conftest import required, variant

required("httpx")  # Starlette's test client drives the app through it
TestClient = required("starlette.testclient").TestClient

HOSTILE = '<script>alert("pwned")</script>&<b>'


@pytest.fixture
def board(olympics_run, db_url, tmp_path):
    """A database with four entries in digits/memory: ``{name: id}``, and a client on it."""
    engine = db.connect(db_url)
    ids = {}
    for name, options in [("middle", {"score": 3.0}), ("best", {"score": 5.0, "accuracy": 0.9}),
                          ("out", {"score": 9.0, "qualified": False}), (HOSTILE, {"score": 1.0})]:
        folder = tmp_path / "runs" / re.sub(r"\W", "_", name)
        run = variant(olympics_run, folder, **options)
        if name == HOSTILE:  # a run is named for its directory: this one has a name no file system likes
            run = run.rename(run.with_name(HOSTILE.replace("/", "|")))
        ids[name] = db.store(engine, run)[0]
    return engine, ids, TestClient(web.create_app(db_url))


def rows_of(page):
    """The run names in the first ranking table, in order."""
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell) for cell in re.findall(r"<a href=\"/entry/\d+\">(.*?)</a>", table)]


class Checker(HTMLParser):
    """Collects every tag and the text inside <script>, to prove hostile text never became markup."""

    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self._in_script = [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def parsed(page):
    checker = Checker()
    checker.feed(page)
    return checker


def test_index_ranks_like_the_leaderboard(board):
    engine, ids, client = board
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "digits: Memory Challenge (memory)" in page.text
    assert rows_of(page.text) == ["best", "middle", web.escape(HOSTILE.replace("/", "|")), "out"]
    assert f'href="/entry/{ids["best"]}"' in page.text
    assert "disqualified: accuracy is 50%" in page.text
    table = page.text.split("<tbody>", 1)[1]
    assert re.findall(r'<tr(?: class="out")?><td class="n">([^<]*)</td>', table)[:4] == ["1", "2", "3", "-"]
    assert f'data-revision="{db.revision(engine)}"' in page.text
    assert '<meta http-equiv="refresh"' in page.text.split("<noscript>", 1)[1].split("</noscript>", 1)[0]


def test_index_embeds_the_pareto_front_linking_to_entries(board):
    _, ids, client = board
    page = client.get("/").text
    svg = page[page.index("<svg"):page.index("</svg>") + len("</svg>")]
    root = ET.fromstring(svg)
    links = [a.get("href") for a in root.iter("{http://www.w3.org/2000/svg}a")]
    assert sorted(links) == sorted(f"/entry/{i}" for i in ids.values())
    assert "bytes ratio" in svg  # the memory event trades accuracy for bytes
    alone = client.get("/pareto/digits/memory.svg")
    assert alone.status_code == 200 and alone.headers["content-type"].startswith("image/svg+xml")
    assert len(list(ET.fromstring(alone.text).iter("{http://www.w3.org/2000/svg}circle"))) == 4


def test_entry_page_shows_the_whole_submission(board, olympics_run):
    engine, ids, client = board
    page = client.get(f"/entry/{ids['best']}").text
    stored = db.submission(engine, ids["best"])
    assert f"#{ids['best']} best" in page
    assert stored["model_sha256"] in page and stored["run_sha256"] in page
    assert web.escape((olympics_run / "config.yaml").read_text().splitlines()[0]) in page  # the config
    assert "QuantizedLinear" in page and "Linear" in page  # both per-layer profiles
    assert stored["manifest"]["python"] in page
    assert "<h3>Run <code>" in page  # report.md's heading, rendered
    assert "Not graded yet" in page
    model = client.get(f"/entry/{ids['best']}/model.npz")
    assert model.content == db.model_npz(engine, ids["best"])


def test_entry_page_lists_grades(board):
    engine, ids, client = board
    db.add_grade(engine, ids["middle"], figures={"event": {"score": 2.5}, "optimized": {"accuracy": 0.5}},
                 verified=False, detail=f"model.npz differs {HOSTILE}", machine={"cpu": "grader", "cores": 2})
    page = client.get(f"/entry/{ids['middle']}").text
    assert "failed" in page and "2.5000" in page and "cpu grader" in page
    assert "<script>alert" not in page
    assert "graded: FAILED: model.npz differs" in client.get("/").text  # leaderboard.status's words


def test_hostile_run_name_is_text_everywhere(board):
    _, ids, client = board
    for path in ("/", f"/entry/{ids[HOSTILE]}", "/pareto/digits/memory.svg", f"/nope/{HOSTILE}"):
        page = client.get(path).text
        assert "<script>alert" not in page, path
        if path.endswith(".svg"):
            ET.fromstring(page)
        else:
            html = parsed(page)
            assert html.tags.count("script") == 1 and "alert" not in "".join(html.scripts), path
            assert "b" not in html.tags


def test_an_entry_with_odd_stored_figures_still_has_a_page(olympics_run, db_url, tmp_path):
    run = variant(olympics_run, tmp_path / "odd", score=2.0)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["optimized"]["layers"] = [{"name": "<i>x</i>", "output_shape": 7, "bytes": "many", "time_ms": None}]
    metrics["baseline"]["layers"] = "junk"
    metrics["passes"] = ["<i>odd</i>", {"name": "prune", "sparsity": "<i>"}]
    (run / "metrics.json").write_text(json.dumps(metrics))
    id = db.store(db.connect(db_url), run)[0]
    page = TestClient(web.create_app(db_url)).get(f"/entry/{id}")
    assert page.status_code == 200 and "<i>" not in page.text
    assert "&lt;i&gt;x&lt;/i&gt;" in page.text and "many" in page.text and "No per-layer profile" in page.text


def test_hostile_track_name_is_text_and_its_front_is_found(olympics_run, db_url, tmp_path):
    run = variant(olympics_run, tmp_path / "odd", score=2.0)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["track"] = "<b>digits/v2</b>"
    (run / "metrics.json").write_text(json.dumps(metrics))
    db.store(db.connect(db_url), run)
    client = TestClient(web.create_app(db_url))
    page = client.get("/").text
    assert "<b>" not in page and "&lt;b&gt;digits/v2&lt;/b&gt;: Memory Challenge" in page
    link = re.search(r'href="(/pareto/[^"]+\.svg)"', page)[1]
    assert link == "/pareto/%3Cb%3Edigits%2Fv2%3C%2Fb%3E/memory.svg"
    svg = client.get(link)
    assert svg.status_code == 200 and "&lt;b&gt;digits/v2" in svg.text


def test_the_module_imports_without_starlette_and_serve_says_what_to_install(monkeypatch, tmp_path):
    import importlib
    import sys

    import tinytorch.bench.competition as room

    monkeypatch.setattr(room, "web", web)  # put back afterwards: the import below rebinds it
    for name in [name for name in sys.modules if name.split(".")[0] in ("starlette", "uvicorn")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "starlette", None)  # "import starlette" now fails as if not installed
    monkeypatch.delitem(sys.modules, "tinytorch.bench.competition.web")
    bare = importlib.import_module("tinytorch.bench.competition.web")
    result = CliRunner().invoke(bare.serve_command, ["--db", str(tmp_path / "x.db")])
    assert result.exit_code == 1
    assert result.output.strip() == f"Error: {web.WEB_HINT}"


def test_every_page_is_behind_a_strict_content_security_policy(board):
    _, ids, client = board
    policy = client.get("/").headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert web._sha256(web.SCRIPT) in policy


def test_unknown_ids_and_paths_are_404_pages(board):
    _, ids, client = board
    for path in ("/entry/999", "/entry/999/model.npz", "/entry/abc", "/entry/99999999999999999999999",
                 "/nope", "/pareto/digits/latency.svg", "/pareto/vision/memory.svg"):
        answer = client.get(path)
        assert answer.status_code == 404, path
        assert "404: Not found" in answer.text and 'href="/"' in answer.text


def test_only_get_is_served(board):
    _, ids, client = board
    for path in ("/", f"/entry/{ids['best']}", "/revision"):
        assert client.post(path).status_code == 405
        assert client.delete(path).status_code == 405
    assert client.head("/").status_code == 200


def test_revision_changes_when_a_run_is_stored(board, tmp_path, olympics_run):
    engine, _, client = board
    before = client.get("/revision")
    assert before.headers["cache-control"] == "no-store"
    db.store(engine, variant(olympics_run, tmp_path / "late", score=4.0))
    after = client.get("/revision").json()["revision"]
    assert after != before.json()["revision"]
    assert rows_of(client.get("/").text)[:3] == ["best", "late", "middle"]
    assert f'data-revision="{after}"' in client.get("/").text


def test_a_database_that_breaks_is_a_503_page(board):
    engine, ids, client = board
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE grades")  # as if the server lost it under us
    for path in ("/", f"/entry/{ids['best']}"):
        answer = client.get(path)
        assert answer.status_code == 503 and "the database cannot be read: no such table: grades" in answer.text
        assert "Traceback" not in answer.text
    assert client.get("/nope").status_code == 404


def test_the_page_on_postgresql(postgres_url, olympics_run, tmp_path):
    engine = db.connect(postgres_url)
    first = db.store(engine, variant(olympics_run, tmp_path / "first", score=2.0))[0]
    client = TestClient(web.create_app(postgres_url))
    assert rows_of(client.get("/").text) == ["first"]
    before = client.get("/revision").json()["revision"]
    db.store(engine, variant(olympics_run, tmp_path / "second", score=3.0))
    db.add_grade(engine, first, figures={}, verified=True, detail="ok", machine={})
    assert client.get("/revision").json()["revision"] != before
    page = client.get("/").text
    assert rows_of(page) == ["second", "first"] and "tinytorch:***@" in page and "tinytorch:tinytorch@" not in page
    assert "QuantizedLinear" in client.get(f"/entry/{first}").text


def test_an_empty_database_says_how_to_submit(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = TestClient(web.create_app("class.db")).get("/")  # a file name, as --db takes one
    assert page.status_code == 200 and "tt submit RUN_DIR" in page.text and "sqlite:///class.db" in page.text
    assert (tmp_path / "class.db").is_file()


def test_latency_boards_plot_speedup(olympics_run, db_url, tmp_path):
    run = variant(olympics_run, tmp_path / "fast", score=2.0)
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["event"]["name"] = "latency"
    (run / "metrics.json").write_text(json.dumps(metrics))
    engine = db.connect(db_url)
    db.store(engine, run)
    svg = TestClient(web.create_app(db_url)).get("/pareto/digits/latency.svg").text
    assert "speedup" in svg and "bytes ratio" not in svg


def test_markdown_escapes_and_renders_what_reports_hold():
    text = ("# Run `a<b`\n\n| x | y |\n| --- | ---: |\n| <i>1</i> | **2** |\n\n- one\n- two\n\n```\n<pre>\n```\n"
            "plain <img src=x onerror=alert(1)> text\n#notaheading")
    html = web.markdown(text)
    assert "<h3>Run <code>a&lt;b</code></h3>" in html
    assert "<td>&lt;i&gt;1&lt;/i&gt;</td><td><strong>2</strong></td>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html
    assert "<pre>&lt;pre&gt;</pre>" in html
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "#notaheading" in html


def test_serve_reports_a_database_it_cannot_use_and_a_busy_port(tmp_path):
    result = CliRunner().invoke(web.serve_command, ["--db", "nosuch://x"])
    assert result.exit_code != 0 and "--db" in result.output and "Traceback" not in result.output
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(web.serve_command, ["--db", str(tmp_path / "x.db"), "--port", str(port)])
    assert result.exit_code == 2 and f"cannot listen on 127.0.0.1:{port}" in result.output
