"""Charts as SVG (matplotlib), shared by every part's pages and reports.

Text in charts uses the bundled Khmer font so Khmer labels render in any language.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from soai.web.templating import STATIC_DIR

_lock = threading.Lock()  # pyplot keeps global state; draw one chart at a time
KHMER_FONT = STATIC_DIR / "fonts" / "NotoSansKhmer-Regular.ttf"


@contextmanager
def _figure(width: float, height: float) -> Iterator[tuple[Any, Any, io.StringIO]]:
    """A matplotlib figure drawn with the Khmer font, its text as paths; the SVG lands in the
    yielded buffer when the block ends.

    Text is drawn as paths, shaped by matplotlib, because SVG renderers such as WeasyPrint
    lay out SVG text glyph by glyph and would break Khmer subscript consonants.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    buffer = io.StringIO()
    with _lock:
        font_manager.fontManager.addfont(str(KHMER_FONT))
        family = font_manager.FontProperties(fname=str(KHMER_FONT)).get_name()
        with matplotlib.rc_context(
            {"svg.fonttype": "path", "font.family": ["DejaVu Sans", family]}
        ):
            fig, ax = plt.subplots(figsize=(width, height))
            try:
                yield fig, ax, buffer
                for side in ("top", "right"):
                    ax.spines[side].set_visible(False)
                fig.tight_layout()
                fig.savefig(buffer, format="svg")
            finally:
                plt.close(fig)


def _svg(buffer: io.StringIO) -> str:
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, colour: str = "#032EA1"
) -> str:
    """A horizontal bar chart as an SVG document."""
    from matplotlib.ticker import MaxNLocator

    with _figure(6.4, max(1.6, 0.45 * len(labels) + 0.9)) as (_fig, ax, buffer):
        positions = list(range(len(labels)))
        ax.barh(positions, list(values), color=colour)
        ax.set_yticks(positions, labels=list(labels))
        ax.invert_yaxis()
        if all(float(v).is_integer() for v in values):
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(title)
        for y, value in zip(positions, values, strict=True):
            ax.text(value, y, f" {value:g}", va="center")
    return _svg(buffer)


def line_chart_svg(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    diagonal: bool = False,
) -> str:
    """Lines (name, xs, ys) on one set of axes as an SVG document; ``diagonal`` draws the
    dashed y = x reference (chance on a ROC curve, perfect calibration on a reliability one)."""
    colours = ("#032EA1", "#E00025", "#2E7D32", "#6A1B9A", "#EF6C00")
    with _figure(6.4, 4.2) as (_fig, ax, buffer):
        if diagonal:
            ax.plot([0, 1], [0, 1], linestyle="--", color="#999999", linewidth=1)
        for index, (name, xs, ys) in enumerate(series):
            ax.plot(list(xs), list(ys), marker="o" if len(xs) <= 25 else None, markersize=3,
                    color=colours[index % len(colours)], label=name)  # fmt: skip
        ax.set_title(title)
        ax.set_xlabel(x_label)
        ax.set_ylabel(y_label)
        if len(series) > 1:
            ax.legend(frameon=False)
    return _svg(buffer)


def svg_data_uri(svg: str) -> str:
    """An SVG chart as a data URL, for an ``<img>`` in a page or a PDF."""
    import base64

    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
