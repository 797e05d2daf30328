"""Charts as server-drawn SVG (no script, no external asset): the geometry is computed here and
the template (overview.html) draws it, with a title, a description and the same figures as a
table beside it for screen readers and for print."""
from __future__ import annotations

from dataclasses import dataclass

PAD_LEFT, PAD_BOTTOM, PAD_TOP = 36, 40, 16


@dataclass(frozen=True, slots=True)
class Column:
    x: float
    width: float
    base: float  # the y of the axis
    total_h: float
    urgent_h: float
    total: int
    urgent: int
    label: str
    sub: str


@dataclass(frozen=True, slots=True)
class Row:
    y: float
    height: float
    label: str
    late_w: float
    open_w: float
    late: int
    open: int


def _top(values: list[int]) -> int:
    """A round top for the axis: at least 4, so one report does not fill the chart."""
    top = max([4, *values])
    step = 5 if top > 20 else 1
    return -(-top // step) * step


def columns(days: list[tuple[str, str, int, int]], width: int = 560, height: int = 220) -> dict:
    """A column per day (label, sub-label, reports, urgent), urgent stacked at the foot in red."""
    top = _top([total for _, _, total, _ in days])
    inner_w, inner_h = width - PAD_LEFT - 8, height - PAD_BOTTOM - PAD_TOP
    slot = inner_w / max(1, len(days))
    base = PAD_TOP + inner_h
    cols = [Column(PAD_LEFT + i * slot + slot * 0.18, slot * 0.64, base, inner_h * total / top,
                   inner_h * urgent / top, total, urgent, label, sub)
            for i, (label, sub, total, urgent) in enumerate(days)]
    ticks = [(base - inner_h * v / top, v) for v in sorted({0, top // 2, top})]
    return {"width": width, "height": height, "columns": cols, "ticks": ticks, "left": PAD_LEFT,
            "right": width - 8, "base": base}


def rows(items: list[tuple[str, int, int]], width: int = 560, row_h: int = 30, label_w: int = 96) -> dict:
    """A row per 읍면동 (name, overdue, open cases): the open cases as a pale bar for context, the
    overdue ones dark over it — 동 in directory order, never sorted into a ranking."""
    top = _top([n for _, late, n in items for n in (late, n)])
    inner_w = width - label_w - 48
    out = [Row(8 + i * row_h, row_h * 0.62, name, inner_w * late / top, inner_w * n / top, late, n)
           for i, (name, late, n) in enumerate(items)]
    return {"width": width, "height": 16 + row_h * max(1, len(items)), "rows": out, "left": label_w,
            "scale_top": top}
