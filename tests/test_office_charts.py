"""The overview's charts (integrations/office/charts.py): bars stay inside the drawing, the
urgent part never exceeds its column, equal counts draw equal bars, and the rows keep the
directory's order (a chart of 동 is never turned into a ranking)."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from integrations.office import charts

counts = st.integers(min_value=0, max_value=500)


@given(st.lists(st.tuples(counts, counts), min_size=1, max_size=14))
def test_columns_fit_the_drawing_and_urgent_stays_inside_its_column(pairs):
    days = [(f"d{i}", "월", max(a, b), min(a, b)) for i, (a, b) in enumerate(pairs)]
    drawn = charts.columns(days)
    top_of_axis = drawn["ticks"][-1][0]
    for col, (_, _, total, urgent) in zip(drawn["columns"], days, strict=True):
        assert col.total == total and col.urgent == urgent
        assert 0 <= col.urgent_h <= col.total_h
        assert col.base - col.total_h >= top_of_axis - 1e-6  # never above the axis' top
        assert drawn["left"] <= col.x and col.x + col.width <= drawn["right"] + 1e-6
    by_total = {}
    for col in drawn["columns"]:
        by_total.setdefault(col.total, set()).add(round(col.total_h, 6))
    assert all(len(heights) == 1 for heights in by_total.values())


@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), counts, counts), min_size=1, max_size=30))
def test_rows_keep_the_given_order_and_overdue_never_outgrows_open(items):
    items = [(name, min(a, b), max(a, b)) for name, a, b in items]
    drawn = charts.rows(items)
    assert [r.label for r in drawn["rows"]] == [name for name, _, _ in items]
    assert [r.y for r in drawn["rows"]] == sorted(r.y for r in drawn["rows"])
    for row in drawn["rows"]:
        assert 0 <= row.late_w <= row.open_w <= drawn["width"] - drawn["left"]
