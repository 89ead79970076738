"""Small charts rendered on the server as inline SVG (no chart script in the browser).

Each function returns `Markup` holding one `<svg role="img">` with a `<title>` and the numbers
written as text, so that a chart reads without a mouse and survives copy and paste. Every
label is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

PALETTE = ("#0073bb", "#ec7211", "#1d8102", "#8c4fff", "#d13212", "#545b64")
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
END_MARGIN = 0.06  # of the time span, drawn after the last event of a line chart


@dataclass(frozen=True)
class Series:
    """A named line of (time, value) points, in time order."""

    name: str
    points: Sequence[tuple[datetime, float]]


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{label}" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" {FONT}>'
        f"<title>{label}</title>{''.join(body)}</svg>"
    )


def _number(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def _empty(title: str, message: str, width: int = 640) -> Markup:
    return _svg(width, 40, title, [f'<text x="0" y="24" fill="#545b64">{escape(message)}</text>'])


def _label_width(labels: Sequence[str], minimum: int) -> int:
    """Room for the longest label (about 7 px a character at the charts' font size)."""
    return max(minimum, 7 * max((len(label) for label in labels), default=0) + 12)


def bar_chart(
    bars: Sequence[tuple[str, float]],
    *,
    title: str,
    width: int = 640,
    maximum: float | None = None,
    label_width: int = 220,
    value_format: str = "{}",
) -> Markup:
    """Horizontal bars, one per (label, value), top to bottom."""
    if not bars:
        return _empty(title, "No data yet.", width)
    row, top = 22, 4
    height = top + row * len(bars) + 4
    label_width = _label_width([label for label, _ in bars], label_width)
    width = max(width, label_width + 200)
    most = maximum if maximum is not None else max(value for _, value in bars)
    span = max(width - label_width - 70, 10)
    body = []
    for index, (label, value) in enumerate(bars):
        y = top + index * row
        length = 0 if most <= 0 else span * max(value, 0) / most
        text = value_format.format(_number(value))
        body.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(text)}</title></rect>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + 15}">{escape(text)}</text>'
        )
    return _svg(width, height, title, body)


def histogram(
    values: Sequence[float],
    *,
    title: str,
    bins: int = 10,
    low: float = 0.0,
    high: float = 1.0,
    width: int = 640,
    height: int = 200,
) -> Markup:
    """Counts of `values` in `bins` equal bins over [low, high] (the last bin is closed)."""
    if not values:
        return _empty(title, "No data yet.", width)
    counts = [0] * bins
    step = (high - low) / bins
    for value in values:
        index = min(int((value - low) / step), bins - 1) if step > 0 else 0
        counts[max(index, 0)] += 1
    left, bottom, top = 40, 30, 16
    plot_width, plot_height = width - left - 10, height - bottom - top
    most = max(counts)
    bar = plot_width / bins
    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - 10}" '
        f'y2="{top + plot_height}" stroke="#879596"/>'
    ]
    for index, count in enumerate(counts):
        x = left + index * bar
        size = plot_height * count / most if most else 0
        start, end = low + index * step, low + (index + 1) * step
        tip = f"{start:.2f}–{end:.2f}: {count}"
        body.append(
            f'<rect x="{x + 1:.1f}" y="{top + plot_height - size:.1f}" width="{bar - 2:.1f}" '
            f'height="{size:.1f}" fill="{PALETTE[1]}"><title>{escape(tip)}</title></rect>'
        )
        if count:
            body.append(f'<text x="{x + bar / 2:.1f}" y="{top + plot_height - size - 3:.1f}" '
                        f'text-anchor="middle">{count}</text>')
        body.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle" '
                    f'fill="#545b64">{start:.1f}</text>')
    body.append(f'<text x="{width - 10}" y="{height - 12}" text-anchor="end" '
                f'fill="#545b64">{high:.1f}</text>')
    return _svg(width, height, title, body)


def line_chart(
    series: Sequence[Series], *, title: str, width: int = 640, height: int = 220
) -> Markup:
    """Step lines over time (cumulative counts), with a legend."""
    points = [point for line in series for point in line.points]
    if not points:
        return _empty(title, "Nothing happened yet.", width)
    start = min(moment for moment, _ in points)
    end = max(moment for moment, _ in points)
    # The time axis runs a little past the last event, so that the last step of every line
    # (the last answer, say) has a level of its own to show, and is not a jump at the edge
    # hidden under another line's jump at the same moment.
    duration = max((end - start).total_seconds(), 1.0) * (1 + END_MARGIN)
    most = max(max(value for _, value in points), 1.0)
    left, right, top, bottom = 48, 12, 24, 34
    plot_width, plot_height = width - left - right, height - top - bottom

    def x_of(moment: datetime) -> float:
        return left + plot_width * (moment - start).total_seconds() / duration

    def y_of(value: float) -> float:
        return top + plot_height * (1 - value / most)

    body = [
        f'<line x1="{left}" y1="{top + plot_height}" x2="{width - right}" '
        f'y2="{top + plot_height}" stroke="#879596"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_height}" stroke="#879596"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_number(most)}</text>',
        f'<text x="{left - 6}" y="{top + plot_height}" text-anchor="end">0</text>',
        f'<text x="{left}" y="{height - 10}" fill="#545b64">{start:%Y-%m-%d %H:%M:%S}</text>',
        f'<text x="{width - right}" y="{height - 10}" text-anchor="end" '
        f'fill="#545b64">{end:%H:%M:%S} UTC</text>',
    ]
    for index, line in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        legend_x = left + index * 180
        body.append(f'<rect x="{legend_x}" y="4" width="12" height="12" fill="{color}"/>'
                    f'<text x="{legend_x + 16}" y="14">{escape(line.name)}</text>')
        if not line.points:
            continue
        path = [f"M{x_of(line.points[0][0]):.1f},{y_of(0):.1f}"]
        previous = 0.0
        for moment, value in line.points:
            x = x_of(moment)
            path.append(f"L{x:.1f},{y_of(previous):.1f} L{x:.1f},{y_of(value):.1f}")
            previous = value
        path.append(f"L{width - right:.1f},{y_of(previous):.1f}")
        body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{color}" '
                    f'stroke-width="2"><title>{escape(line.name)}: {_number(previous)}</title>'
                    "</path>")
        last_x = x_of(line.points[-1][0])
        body.append(f'<circle cx="{last_x:.1f}" cy="{y_of(previous):.1f}" r="3" fill="{color}"/>'
                    f'<text class="last-value" x="{width - right:.1f}" '
                    f'y="{y_of(previous) - 4:.1f}" text-anchor="end" fill="{color}">'
                    f"{_number(previous)}</text>")
    return _svg(width, height, title, body)


def heatmap(
    labels: Sequence[str],
    matrix: Sequence[Sequence[float | None]],
    *,
    title: str,
    cell: int = 44,
    label_width: int = 200,
) -> Markup:
    """A square matrix of values in [0, 1] (None: no data), rows and columns named `labels`."""
    if not labels:
        return _empty(title, "No pair of workers answered the same item yet.")
    size = len(labels)
    label_width = _label_width([f"{size}. {label}" for label in labels], label_width)
    width = label_width + cell * size + 10
    height = 20 + cell * size + 10
    body = []
    for index, label in enumerate(labels):
        body.append(f'<text x="{label_width - 6}" y="{20 + index * cell + cell / 2 + 4}" '
                    f'text-anchor="end">{index + 1}. {escape(label)}</text>')
        body.append(f'<text x="{label_width + index * cell + cell / 2}" y="14" '
                    f'text-anchor="middle">{index + 1}</text>')
    for row, values in enumerate(matrix):
        for column, value in enumerate(values):
            x, y = label_width + column * cell, 20 + row * cell
            if value is None:
                fill, text = "#f2f3f3", "–"
            else:
                shade = int(235 - 180 * value)
                fill, text = f"rgb({shade},{int(shade * 0.95 + 12)},255)", f"{value:.2f}"
            ink = "#fff" if value is not None and value > 0.6 else "#16191f"
            tip = f"{labels[row]} / {labels[column]}: {text}"
            body.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="{fill}">'
                f"<title>{escape(tip)}</title></rect>"
                f'<text x="{x + cell / 2 - 1}" y="{y + cell / 2 + 3}" text-anchor="middle" '
                f'fill="{ink}">{text}</text>'
            )
    return _svg(width, height, title, body)
