"""The Pareto front of a set of results, and a picture of it as a self-contained SVG.

A result is better than another on two counts at once, say more accurate and smaller. One
result *dominates* another when it is at least as good on both counts and better on one;
the *front* is the results nothing dominates: each is the best accuracy you can have for
its size. Every other result has one on the front that beats it outright.

``front`` finds it in one sweep. Turn both counts into "smaller is better", sort by the
first, then the second: walking that order, a result is on the front exactly when its
second count beats every one seen before it (those all have a better or equal first
count). Two identical results dominate neither each other, so both stay.

``svg`` draws every result as a dot and the front as a step line: between two neighbours
on the front the line turns at the corner that is worse on both counts, so the region
under the steps is what the front dominates. The SVG is written by hand (no plotting
library): a few rectangles, lines, circles and texts, each label escaped, since run names
are whatever a student typed. It opens as a file, and the web page inlines it so the dots
link to each entry's page.

Read next: ``web.py``, which draws one of these per track and event.
"""

import math
from html import escape

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 40, 50  # margins: room for tick labels, axis labels, the title


def front(points, *, x, y, minimize_x=True, maximize_y=True):
    """The points no other point dominates, sorted by ``points[i][x]``, smallest first.

    ``points`` are dicts; ``x`` and ``y`` name the keys compared. ``ValueError`` names a
    point whose value is missing or not a finite number.
    """
    keyed = []
    for point in points:
        a, b = _number(point, x), _number(point, y)
        keyed.append(((a if minimize_x else -a, -b if maximize_y else b), point))  # both: smaller is better
    keyed.sort(key=lambda item: item[0])
    found, best, last = [], math.inf, None
    for key, point in keyed:
        if key[1] < best or key == last:  # better than all before it on y, or a twin of the last one kept
            found.append(point)
            best, last = key[1], key
    return sorted(found, key=lambda point: point[x])


def _number(point, key):
    value = point.get(key) if isinstance(point, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"pareto: expected a finite number under {key!r}, found {value!r} in {point!r:.200}")
    return float(value)


def svg(points, *, x, y, title, x_label, y_label, href=None, minimize_x=True, maximize_y=True, label=None):
    """An SVG document (str): axes with ticks, every point as a dot, the front as a step line.

    ``href(point)`` gives a dot's link (or None); ``label(point)`` its tooltip (default: the
    point's ``run`` and both values). Every text is escaped.
    """
    points = list(points)
    on_front = front(points, x=x, y=y, minimize_x=minimize_x, maximize_y=maximize_y)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{WIDTH / 2}" y="22" text-anchor="middle" font-size="15">{escape(title)}</text>',
    ]
    if not points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle" fill="#666">no entries yet</text>')
        return "\n".join([*parts, "</svg>"]) + "\n"
    sx = _Scale([p[x] for p in points], LEFT, WIDTH - RIGHT)
    sy = _Scale([p[y] for p in points], HEIGHT - BOTTOM, TOP)  # SVG's y grows downwards
    parts += _axes(sx, sy, x_label, y_label)
    parts.append(_steps(on_front, sx, sy, x, y, minimize_x, maximize_y))
    kept = {id(p) for p in on_front}
    for point in points:
        parts.append(_dot(point, sx, sy, x, y, id(point) in kept, href, label))
    return "\n".join([*parts, "</svg>"]) + "\n"


class _Scale:
    """A linear map from data values to pixels, with "nice" tick values along the way."""

    def __init__(self, values, start, end):
        low, high = min(values), max(values)
        if high - low < 1e-12 * max(1.0, abs(high)):  # one value: show a span around it
            pad = abs(high) * 0.1 or 1.0
        else:  # a little room, so no dot sits on the frame
            pad = (high - low) * 0.05
        low, high = low - pad, high + pad
        ticks = _nice_ticks(low, high)
        inside = [tick for tick in ticks if low <= tick <= high]
        self.ticks = inside if len(inside) >= 2 else ticks
        self.low, self.high = min(self.ticks[0], low), max(self.ticks[-1], high)
        self.start, self.end = start, end

    def __call__(self, value):
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


def _nice_ticks(low, high, count=5):
    """About ``count`` round values (1, 2 or 5 times a power of ten apart) from below ``low`` to above ``high``."""
    raw = (high - low) / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first, last = math.floor(low / step), math.ceil(high / step)
    return [round(i * step, 12) for i in range(first, last + 1)]


def _axes(sx, sy, x_label, y_label):
    """The plot frame, a grid line and label per tick, and the two axis labels."""
    left, right, top, bottom = sx.start, sx.end, sy.end, sy.start
    out = [f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#333"/>']
    for tick in sx.ticks:
        px = sx(tick)
        out.append(f'<line x1="{px:.1f}" y1="{top}" x2="{px:.1f}" y2="{bottom + 5}" stroke="#ddd"/>')
        out.append(f'<text x="{px:.1f}" y="{bottom + 18}" text-anchor="middle">{_tick_text(tick)}</text>')
    for tick in sy.ticks:
        py = sy(tick)
        out.append(f'<line x1="{left - 5}" y1="{py:.1f}" x2="{right}" y2="{py:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{py + 4:.1f}" text-anchor="end">{_tick_text(tick)}</text>')
    out.append(f'<text x="{(left + right) / 2}" y="{HEIGHT - 10}" text-anchor="middle">{escape(x_label)}</text>')
    mid = (top + bottom) / 2
    out.append(f'<text x="16" y="{mid}" text-anchor="middle" transform="rotate(-90 16 {mid})">{escape(y_label)}</text>')
    return out


def _tick_text(value):
    return f"{value:.6g}"


def _steps(on_front, sx, sy, x, y, minimize_x, maximize_y):
    """The front as a staircase: each step turns at the corner worse on both counts than its two ends."""
    pick_x = max if minimize_x else min
    pick_y = min if maximize_y else max
    corners = [(on_front[0][x], on_front[0][y])]
    for before, after in zip(on_front, on_front[1:]):
        corners.append((pick_x(before[x], after[x]), pick_y(before[y], after[y])))
        corners.append((after[x], after[y]))
    path = " ".join(f"{sx(a):.1f},{sy(b):.1f}" for a, b in corners)
    return f'<polyline class="front" points="{path}" fill="none" stroke="#d62728" stroke-width="2"/>'


def _dot(point, sx, sy, x, y, on_front, href, label):
    """One point: a circle (filled red on the front) with a tooltip, inside a link when ``href`` gives one."""
    text = label(point) if label else _default_label(point, x, y)
    colour = "#d62728" if on_front else "#1f77b4"
    circle = (f'<circle cx="{sx(point[x]):.1f}" cy="{sy(point[y]):.1f}" r="5" fill="{colour}" '
              f'fill-opacity="0.8"><title>{escape(str(text))}</title></circle>')
    link = href(point) if href else None
    return f'<a href="{escape(str(link))}">{circle}</a>' if link else circle


def _default_label(point, x, y):
    name = f"{point['run']}: " if "run" in point else ""
    return f"{name}{x} {point[x]:.4g}, {y} {point[y]:.4g}"
