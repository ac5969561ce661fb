"""The Pareto front against a brute-force check, and the SVG: well formed, every point drawn, labels escaped."""

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.bench.competition import pareto

SVG = "{http://www.w3.org/2000/svg}"


def dominates(a, b, minimize_x, maximize_y):
    """Brute force, straight from the definition: ``a`` at least as good on both counts and better on one."""
    better_x = a["x"] < b["x"] if minimize_x else a["x"] > b["x"]
    better_y = a["y"] > b["y"] if maximize_y else a["y"] < b["y"]
    same_x, same_y = a["x"] == b["x"], a["y"] == b["y"]
    return (better_x or same_x) and (better_y or same_y) and (better_x or better_y)


# few distinct values, so ties and duplicates are common
values = st.integers(min_value=-5, max_value=5) | st.floats(min_value=-3, max_value=3, allow_nan=False)
points = st.lists(st.fixed_dictionaries({"x": values, "y": values}), max_size=25)


@settings(max_examples=300, deadline=None)
@given(points, st.booleans(), st.booleans())
def test_front_is_exactly_the_undominated_points(pts, minimize_x, maximize_y):
    found = pareto.front(pts, x="x", y="y", minimize_x=minimize_x, maximize_y=maximize_y)
    expected = [p for p in pts if not any(dominates(q, p, minimize_x, maximize_y) for q in pts)]
    assert sorted(map(id, found)) == sorted(map(id, expected))
    assert [p["x"] for p in found] == sorted(p["x"] for p in found)


def test_front_keeps_twins_and_drops_the_dominated():
    a, twin, worse, other = {"x": 1, "y": 0.9}, {"x": 1, "y": 0.9}, {"x": 2, "y": 0.9}, {"x": 3, "y": 0.95}
    assert pareto.front([other, worse, twin, a], x="x", y="y") in ([twin, a, other], [a, twin, other])


@pytest.mark.parametrize("bad", [None, "0.5", float("nan"), float("inf"), True])
def test_front_names_a_bad_value(bad):
    with pytest.raises(ValueError, match="'y'"):
        pareto.front([{"x": 1.0, "y": bad}], x="x", y="y")


def draw(pts, **kwargs):
    options = {"x": "x", "y": "y", "title": "t", "x_label": "bytes ratio", "y_label": "accuracy", **kwargs}
    return ET.fromstring(pareto.svg(pts, **options))


def test_svg_is_well_formed_with_every_point_and_the_front():
    pts = [{"x": 0.2, "y": 0.8}, {"x": 0.5, "y": 0.95}, {"x": 0.6, "y": 0.7}, {"x": 1.0, "y": 0.97}]
    root = draw(pts)
    assert root.tag == SVG + "svg"
    circles = root.iter(SVG + "circle")
    assert len(list(circles)) == 4
    red = [c for c in root.iter(SVG + "circle") if c.get("fill") == "#d62728"]
    assert len(red) == 3  # (0.6, 0.7) is beaten by (0.5, 0.95)
    line = root.find(f".//{SVG}polyline")
    corners = line.get("points").split()
    assert len(corners) == 2 * 3 - 1  # three front points, a corner between each pair
    texts = [t.text for t in root.iter(SVG + "text")]
    assert "bytes ratio" in texts and "accuracy" in texts
    assert len([t for t in texts if t and t[0].isdigit()]) >= 4  # tick labels on both axes


def test_svg_staircase_turns_at_the_worse_corner():
    pts = [{"x": 1.0, "y": 1.0}, {"x": 2.0, "y": 2.0}]
    root = draw(pts)
    first, corner, last = root.find(f".//{SVG}polyline").get("points").split()
    assert corner.split(",")[0] == last.split(",")[0]  # minimize x: move right at the lower y, then up
    assert corner.split(",")[1] == first.split(",")[1]


def test_svg_escapes_hostile_labels_and_links():
    hostile = '<script>alert("x")</script>&'
    pts = [{"x": 1.0, "y": 0.5, "run": hostile}]
    text = pareto.svg(pts, x="x", y="y", title=hostile, x_label=hostile, y_label="y",
                      href=lambda p: f'/entry/1?"><script>{p["run"]}')
    assert "<script>" not in text
    root = ET.fromstring(text)  # still well formed
    assert root.find(f"{SVG}title").text == hostile
    assert root.find(f".//{SVG}circle/{SVG}title").text.startswith(hostile)
    assert root.find(f".//{SVG}a").get("href") == '/entry/1?"><script>' + hostile


def test_svg_without_points_or_with_one_value():
    assert "no entries yet" in pareto.svg([], x="x", y="y", title="t", x_label="a", y_label="b")
    root = draw([{"x": 0.5, "y": 0.9}, {"x": 0.5, "y": 0.9}])
    assert len(list(root.iter(SVG + "circle"))) == 2
