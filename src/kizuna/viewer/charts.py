"""Trend charts drawn on the server as small inline SVG: no script, no download."""

from __future__ import annotations

from html import escape

from kizuna.viewer.compose.model import LabSeries

WIDTH, HEIGHT = 280, 90
PAD_X, PAD_Y = 34, 12
LINE = "#1f4e9a"
BAND = "#e3ecd9"
HIGH = "#b3261e"
AXIS = "#5f6368"


def _scale(values: list[float], low: float | None, high: float | None) -> tuple[float, float]:
    lo = min(values + [v for v in (low,) if v is not None])
    hi = max(values + [v for v in (high,) if v is not None])
    if hi == lo:
        hi, lo = hi + 1, lo - 1
    margin = (hi - lo) * 0.1
    return lo - margin, hi + margin


def trend_svg(series: LabSeries, label: str) -> str:
    """An accessible SVG line chart of ``series`` (title and description for screen readers)."""
    points = series.points
    values = [p.value for p in points]
    lo, hi = _scale(values, series.low, series.high)
    first, last = points[0].when.toordinal(), points[-1].when.toordinal()
    span = max(last - first, 1)

    def x(day: int) -> float:
        return PAD_X + (WIDTH - PAD_X - 6) * ((day - first) / span if len(points) > 1 else 0.5)

    def y(value: float) -> float:
        return HEIGHT - PAD_Y - (HEIGHT - 2 * PAD_Y) * (value - lo) / (hi - lo)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{escape(label)}">',
        f"<title>{escape(label)}</title>",
    ]
    if series.low is not None and series.high is not None:
        top, bottom = y(series.high), y(series.low)
        parts.append(
            f'<rect x="{PAD_X}" y="{top:.1f}" width="{WIDTH - PAD_X - 6}" '
            f'height="{max(bottom - top, 0.5):.1f}" fill="{BAND}"/>'
        )
    parts.append(
        f'<line x1="{PAD_X}" y1="{HEIGHT - PAD_Y}" x2="{WIDTH - 6}" y2="{HEIGHT - PAD_Y}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    for value in (lo + (hi - lo) * 0.1, hi - (hi - lo) * 0.1):
        parts.append(
            f'<text x="{PAD_X - 4}" y="{y(value) + 3:.1f}" font-size="9" '
            f'text-anchor="end" fill="{AXIS}">{value:.3g}</text>'
        )
    coords = " ".join(f"{x(p.when.toordinal()):.1f},{y(p.value):.1f}" for p in points)
    if len(points) > 1:
        parts.append(f'<polyline points="{coords}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    for p in points:
        colour = HIGH if p.flag.startswith("H") or p.flag.startswith("L") else LINE
        parts.append(
            f'<circle cx="{x(p.when.toordinal()):.1f}" cy="{y(p.value):.1f}" r="3" '
            f'fill="{colour}"><title>{p.when.isoformat()} {escape(p.text)}</title></circle>'
        )
    parts.append(
        f'<text x="{PAD_X}" y="{HEIGHT - 1}" font-size="9" fill="{AXIS}">'
        f"{points[0].when.strftime('%Y-%m')}</text>"
    )
    parts.append(
        f'<text x="{WIDTH - 6}" y="{HEIGHT - 1}" font-size="9" text-anchor="end" '
        f'fill="{AXIS}">{points[-1].when.strftime("%Y-%m")}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
