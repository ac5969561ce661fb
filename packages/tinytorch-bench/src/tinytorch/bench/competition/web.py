"""``tt leaderboard serve``: the standings as a web page that updates while submissions arrive.

A small read-only Starlette app over the competition database (``db.py``), run by uvicorn:

* ``/``: per track and event, the ranking ``tt leaderboard`` prints (``leaderboard.rank``
  on ``db.entries``), each row linking to its entry, beside the event's Pareto front;
* ``/entry/{id}``: one submission: its figures, manifest, config, per-layer profile,
  grades and report; ``/entry/{id}/model.npz`` its model;
* ``/pareto/{track}/{event}.svg``: the front on its own (``pareto.py``);
* ``/revision``: ``{"revision": n}``, a number that changes with every submission or grade.

The pages are HTML written here, on the server: no templates, no JavaScript build. One
short inline script asks ``/revision`` every two seconds and reloads the page when it has
changed, so an open page shows a new submission within seconds; without JavaScript a
``<noscript>`` meta refresh reloads it every 30 s.

Run names, configs and reports are whatever students typed, so every value goes through
``html.escape`` on its way into a page (``_esc``; ``Html`` marks text already safe), and
the Content-Security-Policy header allows no script but that one (by its hash), as a
second wall should a value ever slip through. Only GET (and HEAD) is served.

Which Pareto front an event gets: accuracy (up is better) against the figure the event
trades it for. The size events (memory, extreme, and accuracy, whose entries must fit a
size cap) plot the bytes ratio (optimized over baseline bytes, left is better); latency
and all_around plot the speedup (right is better). An event from a plugin plots bytes.

Starlette and uvicorn are the ``web`` extra (``pip install tinytorch-bench[web]``): this
module imports without them, and ``serve`` says what to install when they are missing.

Read next: ``pareto.py``, which draws the fronts; ``db.py`` for what an entry holds.
"""

import base64
import hashlib
import json
import logging
import re
from html import escape
from urllib.parse import quote

import click
import sqlalchemy

from tinytorch.bench.olympics import events, leaderboard
from tinytorch.core.files import shorten

from . import db, pareto

PARETO_X = {  # event -> (entry key on the x axis, its label, smaller is better)
    "latency": ("speedup", "speedup (baseline p50 / optimized p50), right is better", False),
    "all_around": ("speedup", "speedup (baseline p50 / optimized p50), right is better", False),
}
BYTES_AXIS = ("bytes_ratio", "bytes ratio (optimized / baseline model bytes), left is better", True)
TITLES = {event.name: event.title for event in events.EVENTS}
POLL_SECONDS, NOSCRIPT_SECONDS = 2, 30

SCRIPT = """
const shown = document.body.dataset.revision;
setInterval(async () => {
  try {
    const answer = await fetch("/revision", {cache: "no-store"});
    if (String((await answer.json()).revision) !== shown) location.reload();
  } catch (error) {}  // the server restarting: ask again at the next tick
}, POLL_MS);
""".replace("POLL_MS", str(POLL_SECONDS * 1000))

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 1400px; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.out td { color: #777; }
pre { background: #f6f6f6; padding: 0.75rem; overflow-x: auto; font-size: 0.85rem; }
.board { display: flex; flex-wrap: wrap; gap: 1.5rem; align-items: flex-start; }
.muted { color: #666; font-size: 0.85rem; }
.bad { color: #b00; } .good { color: #070; }
nav a { margin-right: 1rem; }
"""


def _sha256(text):
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


SECURITY_HEADERS = {
    "content-security-policy": (f"default-src 'none'; script-src {_sha256(SCRIPT)}; style-src {_sha256(STYLE)}; "
                                "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
                                "frame-ancestors 'none'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


class Html(str):
    """Text that is already HTML: ``_esc`` passes it through, everything else it escapes."""


def _esc(value):
    return value if isinstance(value, Html) else Html(escape(str(value)))


def _join(parts):
    return Html("".join(_esc(part) for part in parts))


def _page(title, body, revision):
    """A whole page: the title, the body, and the script that reloads it on a new revision."""
    return Html(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\">"
        f"<title>{_esc(title)}</title>"
        f"<noscript><meta http-equiv=\"refresh\" content=\"{NOSCRIPT_SECONDS}\"></noscript>"
        f"<style>{STYLE}</style></head>\n<body data-revision=\"{_esc(revision)}\">\n"
        f"<nav><a href=\"/\">leaderboard</a></nav>\n{_esc(body)}\n<script>{SCRIPT}</script>\n</body></html>\n"
    )


def _table(headings, rows, numeric=(), row_class=None):
    """An HTML table; ``numeric`` names the right-aligned columns; ``row_class(i)`` a row's class."""
    def cell(tag, i, value):
        return f"<{tag} class=\"n\">{_esc(value)}</{tag}>" if headings[i] in numeric else f"<{tag}>{_esc(value)}</{tag}>"

    out = ["<table><thead><tr>", *(cell("th", i, h) for i, h in enumerate(headings)), "</tr></thead><tbody>"]
    for r, row in enumerate(rows):
        css = row_class(r) if row_class else None
        out.append(f"<tr class=\"{css}\">" if css else "<tr>")
        out += [cell("td", i, value) for i, value in enumerate(row)]
        out.append("</tr>")
    out.append("</tbody></table>")
    return Html("".join(out))


def _num(value, spec):
    """``value`` formatted by ``spec`` if it is a number; anything else (stored JSON is anyone's) as text."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "-" if value is None else str(value)
    return format(value, spec)


def _entry_link(entry):
    return Html(f"<a href=\"/entry/{int(entry['id'])}\">{_esc(entry['run'])}</a>")


def _pareto_path(track, event):
    return f"/pareto/{quote(track, safe='')}/{quote(event, safe='')}.svg"


# --- the leaderboard ---------------------------------------------------------------------

def index_page(engine, url):
    """``/``: every track and event's ranking beside its Pareto front."""
    revision = db.revision(engine)
    ranked = leaderboard.rank(db.entries(engine))
    count = sum(len(entries) for entries in ranked.values())
    head = [Html("<h1>TorchPerf Olympics leaderboard</h1><p class=\"muted\">"),
            f"{count} submission{'s' * (count != 1)} in {db.shown_url(url)}, revision {revision}. ",
            f"This page reloads by itself when a submission or a grade arrives (it checks every {POLL_SECONDS} s).",
            Html("</p>")]
    if not ranked:
        head.append(Html("<p>No submissions yet: <code>tt submit RUN_DIR</code> adds one.</p>"))
    sections = [Html("<nav>"), *(_join([Html(f"<a href=\"#board-{i}\">"), f"{track}: {_title(event)}", Html("</a>")])
                                 for i, (track, event) in enumerate(ranked)), Html("</nav>")] if ranked else []
    for i, ((track, event), entries) in enumerate(ranked.items()):
        sections.append(_board(i, track, event, entries))
    return _page("TorchPerf Olympics leaderboard", _join([*head, *sections]), revision)


def _title(event):
    return f"{TITLES[event]} ({event})" if event in TITLES else event


def _board(i, track, event, entries):
    """One track and event: the ranking table, and the Pareto front inline so its dots are links."""
    rows = []
    for e in entries:
        rows.append(["-" if e["rank"] is None else e["rank"], _join([_entry_link(e), *_sweep_note(e)]),
                     f"{e['score']:.3f}", f"{e['baseline_accuracy']:.2%} -> {e['accuracy']:.2%}",
                     f"{e['bytes_ratio']:.3f}", f"{e['speedup']:.2f}x", _status(e), _regraded(e["graded"]),
                     e["submitted_at"][:19].replace("T", " ")])
    table = _table(["rank", "run", "score", "accuracy", "bytes ratio", "speedup", "status", "score re-measured",
                    "submitted (UTC)"], rows, numeric=("rank", "score", "accuracy", "bytes ratio", "speedup",
                                                       "score re-measured", "submitted (UTC)"),
                   row_class=lambda r: None if entries[r]["rank"] else "out")
    link = Html(f"<a href=\"{_esc(_pareto_path(track, event))}\">the front as an SVG file</a>")
    return _join([Html(f"<section id=\"board-{i}\">"), Html("<h2>"), f"{track}: {_title(event)}", Html("</h2>"),
                  Html("<div class=\"board\"><div>"), table, Html("</div><div>"), pareto_svg(track, event, entries),
                  Html("<br>"), link, Html("</div></div></section>")])


def _sweep_note(entry):
    if entry.get("sweep_id") is None:
        return []
    params = ", ".join(f"{key}={json.dumps(value)}" for key, value in (entry.get("params") or {}).items())
    return [Html("<br><span class=\"muted\">"), f"sweep #{entry['sweep_id']}" + (f": {params}" if params else ""),
            Html("</span>")]


def _status(entry):
    """``leaderboard.status``'s words (as ``tt leaderboard`` prints them), green when valid, red when out."""
    css = ("good", "", "bad")[leaderboard.standing(entry)]
    if entry.get("graded") and not entry["graded"]["verified"]:
        css = "bad"
    return _join([Html(f"<span class=\"{css}\">"), leaderboard.status(entry), Html("</span>")])


def _regraded(grade):
    """The score the newest grading measured, or why there is none."""
    if grade is None:
        return "not graded"
    return _num(((grade.get("figures") or {}).get("event") or {}).get("score"), ".3f")


def pareto_svg(track, event, entries):
    """The SVG of one board: accuracy against the event's other figure, each dot linking to its entry."""
    key, label, smaller = PARETO_X.get(event, BYTES_AXIS)
    return Html(pareto.svg(entries, x=key, y="accuracy", title=f"{track}: {_title(event)}", x_label=label,
                           y_label="accuracy (optimized)", href=lambda e: f"/entry/{int(e['id'])}",
                           minimize_x=smaller, maximize_y=True))


# --- one entry ---------------------------------------------------------------------------

def entry_page(engine, id):
    """``/entry/{id}``: everything stored of one submission; None if there is none."""
    stored = db.submission(engine, id)
    if stored is None:
        return None
    metrics = stored["metrics"]
    body = [Html("<h1>"), f"#{id} {stored['run']}", Html("</h1><p class=\"muted\">"),
            f"{stored['track']}: {_title(stored['event'])}, submitted {stored['submitted_at']}", Html("</p>"),
            _summary(stored), Html(f"<p><a href=\"/entry/{id}/model.npz\">download model.npz</a></p>"),
            Html("<h2>Grades</h2>"), _grades(db.grades(engine, id)),
            Html("<h2>Per-layer profile</h2>"), *_profiles(metrics), *_passes(metrics),
            Html("<h2>Config</h2><pre>"), stored["config_yaml"], Html("</pre>"),
            Html("<h2>Manifest</h2>"), _manifest(stored["manifest"]),
            Html("<h2>Report</h2>"), markdown(stored["report"]) if stored["report"] else "No report.md was submitted."]
    return _page(f"#{id} {stored['run']}", _join(body), db.revision(engine))


def _summary(stored):
    rows = [
        ["score", f"{stored['score']:.4f}"],
        ["status", _status(stored)],
        ["validity", stored.get("valid_reason") or "-"],
        ["accuracy", f"{stored['baseline_accuracy']:.2%} (baseline) -> {stored['accuracy']:.2%}"],
        ["bytes ratio", f"{stored['bytes_ratio']:.4f}"],
        ["speedup", f"{stored['speedup']:.3f}x"],
        ["model sha256", stored["model_sha256"]],
        ["run sha256", stored["run_sha256"]],
    ]
    if stored.get("sweep_id") is not None:
        rows.append(["sweep", f"#{stored['sweep_id']}: {json.dumps(stored.get('params'))}"])
    return _table(["", "as submitted"], rows)


def _grades(grades):
    """Each grading: when, the verdict, the score re-measured there, and on which machine."""
    if not grades:
        return Html("<p>Not graded yet (<code>tt verify --db URL --all</code> grades every submission).</p>")
    rows = []
    for grade in grades:
        figures, machine = grade.get("figures") or {}, grade.get("machine") or {}
        where = ", ".join(f"{key} {machine[key]}" for key in ("cpu", "cores", "python", "numpy") if key in machine)
        rows.append([grade["graded_at"], "verified" if grade["verified"] else "failed", grade["detail"],
                     _num((figures.get("event") or {}).get("score"), ".4f"),
                     _num((figures.get("optimized") or {}).get("accuracy"), ".2%"), where])
    return _table(["graded at (UTC)", "verdict", "detail", "score re-measured", "accuracy re-measured", "machine"],
                  rows, numeric=("score re-measured", "accuracy re-measured"))


def _profiles(metrics):
    """The baseline's and the optimized model's layer tables, as ``profiler.layer_table`` prints them."""
    out = []
    for name in ("baseline", "optimized"):
        measured = metrics.get(name) if isinstance(metrics.get(name), dict) else {}
        layers = measured.get("layers")
        out += [Html("<h3>"), name, Html("</h3>")]
        if not isinstance(layers, list) or not all(isinstance(row, dict) for row in layers):
            out.append(Html("<p>No per-layer profile was recorded.</p>"))
            continue
        rows = [[row.get("name"), row.get("kind"), _shape(row.get("output_shape")),
                 _num(row.get("parameters"), ","), _num(row.get("bytes"), ","), _num(row.get("flops"), ","),
                 _num(row.get("time_ms"), ".4f")] for row in layers]
        rows.append(["total", "", "", "", _num(measured.get("model_bytes"), ","), _num(measured.get("flops"), ","), ""])
        out.append(_table(["layer", "type", "output", "params", "bytes", "FLOPs", "time (ms)"], rows,
                          numeric=("params", "bytes", "FLOPs", "time (ms)")))
        out.append(_whole_model(measured))
    return out


def _shape(shape):
    return "x".join(map(str, shape)) or "-" if isinstance(shape, list) else _num(shape, "")


def _whole_model(measured):
    latency = measured.get("latency_ms") if isinstance(measured.get("latency_ms"), dict) else {}
    return _join([Html("<p class=\"muted\">"),
                  f"accuracy {_num(measured.get('accuracy'), '.2%')} on {measured.get('test_examples', '-')} examples; "
                  f"latency p50 {_num(latency.get('p50'), '.4f')} ms, p90 {_num(latency.get('p90'), '.4f')} ms, "
                  f"p99 {_num(latency.get('p99'), '.4f')} ms; throughput {_num(measured.get('throughput'), ',.0f')}/s; "
                  f"peak memory {_num(measured.get('peak_memory_bytes'), ',')} bytes", Html("</p>")])


def _passes(metrics):
    passes = metrics.get("passes")
    if not isinstance(passes, list) or not passes:
        return []
    rows = [[p.get("name", "?"), ", ".join(f"{k}={v}" for k, v in p.items() if k != "name")] if isinstance(p, dict)
            else [str(p), ""] for p in passes]
    return [Html("<h3>passes</h3>"), _table(["pass", "what it reported"], rows)]


def _manifest(manifest):
    """Where and how the run was made: one row per key, nested values as compact JSON."""
    if not isinstance(manifest, dict) or not manifest:
        return Html("<p>No manifest.</p>")
    rows = [[key, value if isinstance(value, str) else json.dumps(value, sort_keys=True)] for key, value in manifest.items()]
    return _table(["key", "value"], rows)


# --- report.md -----------------------------------------------------------------------------

def markdown(text):
    """``report.md`` as HTML: the few kinds of Markdown ``tt run`` writes (headings, tables,
    lists, code blocks, paragraphs; bold and code inline). Every character is escaped first,
    so nothing a report holds becomes markup; links and raw HTML stay text."""
    lines, out, i = text.splitlines(), [], 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("```")), len(lines))
            out.append(f"<pre>{escape(chr(10).join(lines[i + 1:end]))}</pre>")
            i = end + 1
            continue
        block = _block(lines, i, lambda text: text.startswith("|"))
        if block:
            out.append(_markdown_table(block))
        elif block := _block(lines, i, lambda text: text.startswith(("- ", "* "))):
            out.append("<ul>" + "".join(f"<li>{_inline(item[2:])}</li>" for item in block) + "</ul>")
        elif heading := re.match(r"(#{1,6})\s+(.*)", line):
            level = min(len(heading[1]) + 2, 6)  # the report's "#" sits under the page's <h2>
            out.append(f"<h{level}>{_inline(heading[2])}</h{level}>")
            block = [line]
        elif line.strip():
            block = [line, *_block(lines, i + 1, lambda text: text.strip() and not re.match(r"(#|```|\||- |\* )", text))]
            out.append(f"<p>{_inline(' '.join(block))}</p>")
        i += max(len(block), 1)
    return Html("\n".join(out))


def _block(lines, start, belongs):
    """The run of lines from ``start`` for which ``belongs`` holds (maybe none)."""
    end = start
    while end < len(lines) and belongs(lines[end]):
        end += 1
    return lines[start:end]


def _markdown_table(rows):
    cells = [row.strip().strip("|").split("|") for row in rows]
    cells = [row for row in cells if not all(re.fullmatch(r"\s*:?-+:?\s*", cell) for cell in row)]  # the --- row
    head, body = cells[0], cells[1:]
    return ("<table><thead><tr>" + "".join(f"<th>{_inline(c.strip())}</th>" for c in head) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>" for c in row) + "</tr>" for row in body)
            + "</tbody></table>")


def _inline(text):
    """`code` and **bold** within a line, the rest escaped."""
    parts = text.split("`") if text.count("`") % 2 == 0 else [text]
    out = []
    for n, part in enumerate(parts):
        if n % 2:
            out.append(f"<code>{escape(part)}</code>")
        else:
            out.append(re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", escape(part)))
    return "".join(out)


# --- the app and `tt leaderboard serve` ------------------------------------------------------

WEB_HINT = "tt leaderboard serve needs Starlette and uvicorn: pip install 'tinytorch-bench[web]'"


def create_app(url):
    """The Starlette app serving the database at ``url`` (``DatabaseError`` if it cannot be used)."""
    from starlette.applications import Starlette
    from starlette.exceptions import HTTPException
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    url = db.url_of(url)  # a plain file name is an SQLite file, as everywhere else
    engine = db.connect(url)

    def html(text, status=200):
        return HTMLResponse(text, status, headers=SECURITY_HEADERS)

    def index(request):
        return html(index_page(engine, url))

    def entry(request):
        page = entry_page(engine, _stored_id(request))
        if page is None:
            raise HTTPException(404)
        return html(page)

    def model(request):
        try:
            data = db.model_npz(engine, _stored_id(request))
        except KeyError:
            raise HTTPException(404) from None
        return Response(data, media_type="application/octet-stream", headers={
            **SECURITY_HEADERS, "content-disposition": f"attachment; filename=entry-{request.path_params['id']}.npz"})

    def front(request):
        track, event = request.path_params["track"], request.path_params["event"]
        entries = leaderboard.rank(db.entries(engine)).get((track, event))
        if entries is None:
            raise HTTPException(404)
        return Response(pareto_svg(track, event, entries), media_type="image/svg+xml", headers=SECURITY_HEADERS)

    def revision(request):
        return JSONResponse({"revision": db.revision(engine)}, headers={"cache-control": "no-store"})

    def error(request, exc):
        try:
            shown = db.revision(engine)
        except sqlalchemy.exc.SQLAlchemyError:  # the page still says what was not found
            shown = None
        return html(error_page(exc.status_code, request.url.path, shown), exc.status_code)

    def unavailable(request, exc):
        first = shorten(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0], 200)
        logging.getLogger("uvicorn.error").warning("%s: the database cannot be read: %s", request.url.path, first)
        return html(error_page(503, f"the database cannot be read: {first}", None), 503)

    routes = [Route("/", index), Route("/entry/{id:int}", entry), Route("/entry/{id:int}/model.npz", model),
              Route("/pareto/{track:path}/{event}.svg", front), Route("/revision", revision)]  # GET (and HEAD) only
    return Starlette(routes=routes, exception_handlers={HTTPException: error, sqlalchemy.exc.SQLAlchemyError: unavailable})


def _stored_id(request):
    """The id in the path, or 404 for one no database could hold (SQLite's integers are 64-bit)."""
    from starlette.exceptions import HTTPException

    id = request.path_params["id"]
    if id >= 2**63:
        raise HTTPException(404)
    return id


def error_page(status, what, revision):
    reasons = {404: "Not found", 405: "Only GET is served here", 503: "Database unavailable"}
    reason = reasons.get(status, "Error")
    body = _join([Html("<h1>"), f"{status}: {reason}", Html("</h1><p>"), what, Html("</p>"),
                  Html("<p><a href=\"/\">Back to the leaderboard</a></p>")])
    return _page(f"{status} {reason}", body, revision if revision is not None else "")


@click.command("serve")
@click.option("--db", "url", metavar="URL", default=db.DEFAULT_URL, show_default=True,
              help="database: an SQLAlchemy URL or an SQLite file name")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (0.0.0.0: every interface, for a class server)")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="port to listen on (0: any free one)")
def serve_command(url, host, port):
    """Serve the leaderboard as a web page that updates itself as submissions arrive."""
    try:
        import uvicorn
        from starlette.applications import Starlette  # noqa: F401 (checked here, used by create_app)
    except ModuleNotFoundError:
        raise click.ClickException(WEB_HINT) from None
    try:
        app = create_app(url)
    except db.DatabaseError as error:
        raise click.ClickException(str(error)) from None
    listener = _listen(host, port)
    bound = listener.getsockname()[1]
    shown_host = f"[{host}]" if ":" in host else host  # an IPv6 address is bracketed in a URL
    click.echo(f"serving {db.shown_url(db.url_of(url))} at http://{shown_host}:{bound}/ (Ctrl-C stops)")
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    uvicorn.Server(config).run(sockets=[listener])


def _listen(host, port):
    """A socket listening on ``host:port``, bound here so a port in use is one clear line."""
    import socket

    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        listener = socket.socket(family, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
    except OSError as error:
        raise click.BadParameter(f"cannot listen on {host}:{port}: {error.strerror or error}",
                                 param_hint="'--host' / '--port'") from None
    listener.listen(128)
    listener.set_inheritable(True)
    return listener
