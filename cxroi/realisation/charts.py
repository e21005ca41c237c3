"""Charts drawn on the server as SVG (the council page and the PDF pack show the same one).

Pure string building: no JavaScript, so a PDF renderer draws them exactly as a browser.
"""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

PLAN_COLOUR = "#6b7280"
ACTUAL_COLOUR = "#0b6e4f"


def _scale(values: Sequence[float], low: float, high: float, size: float) -> list[float]:
    span = high - low or 1.0
    return [size - (v - low) / span * size for v in values]


def cumulative_svg(
    months: Sequence[str],
    plan: Sequence[float],
    actual: Sequence[float],
    *,
    title: str,
    width: int = 520,
    height: int = 200,
) -> Markup:
    """Cumulative plan (grey, dashed) and actual (green) net flow by month, with zero."""
    left, right, top, bottom = 56, 12, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    values = [0.0, *plan, *actual]
    low, high = min(values), max(values)
    n = max(len(months), 1)
    step = inner_w / max(n - 1, 1)
    xs = [left + i * step for i in range(n)]

    def path(series: Sequence[float]) -> str:
        ys = _scale(series, low, high, inner_h)
        return " ".join(f"{x:.1f},{top + y:.1f}" for x, y in zip(xs, ys, strict=False))

    zero = top + _scale([0.0], low, high, inner_h)[0]
    label = escape(title)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}: cumulative net '
        f'flow, plan and actual, by month">',
        f"<title>{label}</title>",
        f'<line x1="{left}" y1="{zero:.1f}" x2="{width - right}" y2="{zero:.1f}" '
        'stroke="#9ca3af" stroke-width="1"/>',
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end" '
        f'fill="#374151">{high:,.0f}</text>',
        f'<text x="{left - 6}" y="{top + inner_h}" font-size="10" text-anchor="end" '
        f'fill="#374151">{low:,.0f}</text>',
    ]
    if months:
        parts.append(
            f'<polyline fill="none" stroke="{PLAN_COLOUR}" stroke-width="2" '
            f'stroke-dasharray="5,4" points="{path(plan)}"/>'
        )
        parts.append(
            f'<polyline fill="none" stroke="{ACTUAL_COLOUR}" stroke-width="2.5" '
            f'points="{path(actual)}"/>'
        )
        for i, anchor in sorted({(0, "start"), (n - 1, "end")}):
            parts.append(
                f'<text x="{xs[i]:.1f}" y="{height - 8}" font-size="10" text-anchor="{anchor}" '
                f'fill="#374151">{escape(months[i])}</text>'
            )
    parts.append(
        f'<text x="{width - right}" y="{top + 10}" font-size="10" text-anchor="end" '
        f'fill="{ACTUAL_COLOUR}">— actual</text>'
        f'<text x="{width - right - 60}" y="{top + 10}" font-size="10" text-anchor="end" '
        f'fill="{PLAN_COLOUR}">- - plan</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))


def two_series_svg(
    months: Sequence[str],
    first: Sequence[float | None],
    second: Sequence[float | None],
    *,
    first_name: str,
    second_name: str,
    second_format: str = ",.0f",
    width: int = 520,
    height: int = 200,
) -> Markup:
    """Two monthly series on one time axis, each on its own scale (left and right), so a
    metric and money (or two metrics) can be read together; a gap where a month has no
    value. ``second_format`` formats the right scale (money by default)."""
    left, right, top, bottom = 56, 56, 12, 28
    inner_w, inner_h = width - left - right, height - top - bottom
    n = max(len(months), 1)
    step = inner_w / max(n - 1, 1)
    xs = [left + i * step for i in range(n)]

    def lines(series: Sequence[float | None], colour: str, dash: str) -> tuple[str, float, float]:
        known = [v for v in series if v is not None]
        low, high = (min(known), max(known)) if known else (0.0, 1.0)
        runs: list[list[str]] = [[]]
        for x, v in zip(xs, series, strict=False):
            if v is None:
                runs.append([])
                continue
            y = top + _scale([v], low, high, inner_h)[0]
            runs[-1].append(f"{x:.1f},{y:.1f}")
        shapes = "".join(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2"{dash} '
            f'points="{" ".join(run)}"/>'
            for run in runs
            if run
        )
        return shapes, low, high

    one, low1, high1 = lines(first, PLAN_COLOUR, ' stroke-dasharray="5,4"')
    two, low2, high2 = lines(second, ACTUAL_COLOUR, "")
    label = escape(f"{first_name} and {second_name} by month")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">',
        f"<title>{label}</title>",
        f'<text x="{left - 6}" y="{top + 4}" font-size="10" text-anchor="end" '
        f'fill="{PLAN_COLOUR}">{high1:,.4g}</text>',
        f'<text x="{left - 6}" y="{top + inner_h}" font-size="10" text-anchor="end" '
        f'fill="{PLAN_COLOUR}">{low1:,.4g}</text>',
        f'<text x="{width - right + 6}" y="{top + 4}" font-size="10" '
        f'fill="{ACTUAL_COLOUR}">{high2:{second_format}}</text>',
        f'<text x="{width - right + 6}" y="{top + inner_h}" font-size="10" '
        f'fill="{ACTUAL_COLOUR}">{low2:{second_format}}</text>',
        one,
        two,
    ]
    if months:
        for i, anchor in sorted({(0, "start"), (n - 1, "end")}):
            parts.append(
                f'<text x="{xs[i]:.1f}" y="{height - 8}" font-size="10" text-anchor="{anchor}" '
                f'fill="#374151">{escape(months[i])}</text>'
            )
    parts.append(
        f'<text x="{left}" y="{height - 18}" font-size="10" fill="{PLAN_COLOUR}">- - '
        f"{escape(first_name)} (left)</text>"
        f'<text x="{width - right}" y="{height - 18}" font-size="10" text-anchor="end" '
        f'fill="{ACTUAL_COLOUR}">— {escape(second_name)} (right)</text>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))
