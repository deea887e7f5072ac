"""Charts as SVG (matplotlib), shared by every part's pages and reports.

Text in charts uses the bundled Khmer font so Khmer labels render in any language.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

from soai.web.templating import STATIC_DIR

_lock = threading.Lock()  # pyplot keeps global state; draw one chart at a time
KHMER_FONT = STATIC_DIR / "fonts" / "NotoSansKhmer-Regular.ttf"


def bar_chart_svg(
    labels: Sequence[str], values: Sequence[float], *, title: str, colour: str = "#032EA1"
) -> str:
    """A horizontal bar chart as an SVG document.

    Text is drawn as paths, shaped by matplotlib, because SVG renderers such as WeasyPrint
    lay out SVG text glyph by glyph and would break Khmer subscript consonants.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt
    from matplotlib.ticker import MaxNLocator

    with _lock:
        font_manager.fontManager.addfont(str(KHMER_FONT))
        family = font_manager.FontProperties(fname=str(KHMER_FONT)).get_name()
        with matplotlib.rc_context(
            {"svg.fonttype": "path", "font.family": ["DejaVu Sans", family]}
        ):
            height = max(1.6, 0.45 * len(labels) + 0.9)
            fig, ax = plt.subplots(figsize=(6.4, height))
            try:
                positions = list(range(len(labels)))
                ax.barh(positions, list(values), color=colour)
                ax.set_yticks(positions, labels=list(labels))
                ax.invert_yaxis()
                if all(float(v).is_integer() for v in values):
                    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
                ax.set_title(title)
                for side in ("top", "right"):
                    ax.spines[side].set_visible(False)
                for y, value in zip(positions, values, strict=True):
                    ax.text(value, y, f" {value:g}", va="center")
                fig.tight_layout()
                buffer = io.StringIO()
                fig.savefig(buffer, format="svg")
            finally:
                plt.close(fig)
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
