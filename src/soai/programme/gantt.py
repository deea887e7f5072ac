"""The roadmap's Gantt chart as a standalone, accessible SVG (pure: standard library only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from xml.sax.saxutils import escape, quoteattr

from soai.programme.roadmap import PhaseSchedule, add_months

#: status -> (colour, text marker, default word); the marker and word say it without colour.
STYLE = {
    "done": ("#2e7d32", "✓", "done"),
    "on_track": ("#2e7d32", "●", "on track"),
    "at_risk": ("#a15c00", "▲", "at risk"),
    "late": ("#c62828", "✕", "late"),
    "unknown": ("#6b6b6b", "?", "unknown"),
}
TOP, ROW, BAR, RIGHT = 48, 46, 20, 12
FONT = "'Noto Sans Khmer', sans-serif"


def _el(tag: str, text: str | None = None, kids: str = "", /, **attrs: object) -> str:
    """An SVG element with XML-escaped ``text`` and attribute values (``class_`` -> ``class``,
    ``font_weight`` -> ``font-weight``, floats to 0.1, None left out) and raw ``kids``."""
    pairs = "".join(
        f" {name.rstrip('_').replace('_', '-')}="
        + quoteattr(f"{value:.1f}" if isinstance(value, float) else str(value))
        for name, value in attrs.items()
        if value is not None
    )
    inner = kids + (escape(text) if text is not None else "")
    return f"<{tag}{pairs}>{inner}</{tag}>" if inner else f"<{tag}{pairs}/>"


def gantt_svg(
    phases: Sequence[PhaseSchedule],
    today: date,
    *,
    labels: Mapping[str, str],
    progress: Mapping[str, float | None],
    risk: Mapping[str, str],
    width: int = 900,
) -> str:
    """A standalone, accessible SVG Gantt chart: one row per phase (name and status marker, a
    bar from start to end, or dashed to the right edge with ``labels["open"]`` when open-ended,
    filled by ``progress``, coloured by ``risk``), milestone diamonds, ``YYYY-MM`` month ticks
    and a "today" line. ``labels`` names phases and milestones by id, and gives ``open``,
    ``today`` and optionally ``title``, ``unscheduled`` and the status words (``at_risk``...)."""
    known = [d for p in phases for d in (p.start, p.end) if d] + [today]
    known += [m.due for p in phases for m in p.milestones if m.due]
    first = min(known).replace(day=1)
    last = add_months(max(known).replace(day=1), 1)
    if any(p.end is None for p in phases):  # room to the right for the open-ended bars
        last = add_months(last, max(3, ((last - first).days // 30) // 4))
    right, height, opened = width - RIGHT, TOP + ROW * len(phases) + 8, labels.get("open", "open")
    names = [len(labels.get(p.id, p.id)) * 7 + 16 for p in phases]  # ~7 px a character
    left = int(min(max([160, *names]), width * 0.45))  # the column of phase names

    def x(day: date) -> float:
        return left + (right - left) * (day - first).days / (last - first).days

    def style(phase_id: str) -> tuple[str, str, str]:
        status = risk.get(phase_id, "unknown")
        colour, marker, word = STYLE.get(status, STYLE["unknown"])
        return status, colour, f"{marker} {labels.get(status, word)}"

    desc = "; ".join(
        f"{labels.get(p.id, p.id)}: {p.start or '?'} – {p.end or opened}, {style(p.id)[2]}"
        for p in phases
    )
    out = [_el("title", labels.get("title", "Roadmap"), id="gantt-title")]
    out.append(_el("desc", desc, id="gantt-desc"))
    months = (last.year - first.year) * 12 + last.month - first.month
    step = next((s for s in (1, 2, 3, 6, 12) if (right - left) * s / months >= 60), 24)
    for tick in (add_months(first, k) for k in range(0, months, step)):
        if x(tick) + 50 > width:  # no room for its label
            break
        out.append(
            _el(
                "line", class_="tick", x1=x(tick), x2=x(tick), y1=TOP - 14, y2=height, stroke="#ddd"
            )
        )
        out.append(_el("text", f"{tick:%Y-%m}", x=x(tick) + 3, y=TOP - 18, fill="#444"))
    for row, p in enumerate(phases):
        top = TOP + ROW * row
        bar_top, (status, colour, marker) = top + (ROW - BAR) / 2, style(p.id)
        row_out = [_el("text", labels.get(p.id, p.id), x=8, y=top + 17, font_weight="bold")]
        row_out.append(_el("text", marker, class_="status", x=8, y=top + 34, fill=colour))
        if p.start is None:
            text = labels.get("unscheduled", opened)
            row_out.append(_el("text", text, class_="unscheduled", x=left + 4, y=bar_top + 14))
        else:
            x0, x1 = x(p.start), (x(p.end) if p.end else float(right))
            share = min(max(progress.get(p.id) or 0.0, 0.0), 1.0)
            dash = "6 4" if p.end is None else None
            bar = {"x": x0, "y": bar_top, "height": BAR, "stroke": colour, "stroke_width": 2}
            row_out.append(
                _el("rect", class_="bar", width=x1 - x0, fill="#fff", **bar, stroke_dasharray=dash)
            )
            row_out.append(_el("rect", class_="done", width=(x1 - x0) * share, fill=colour, **bar))
            if p.end is None:
                where = {"x": x1 - 4, "y": bar_top + 14, "text_anchor": "end"}
                row_out.append(_el("text", opened, class_="open", **where))
        for m in p.milestones:
            if m.due is None:
                continue
            cx, cy = x(m.due), bar_top + BAR / 2
            tip = _el("title", f"{labels.get(m.id, m.id)}: {m.due}")
            points = f"{cx:.1f},{cy - 7} {cx + 7:.1f},{cy} {cx:.1f},{cy + 7} {cx - 7:.1f},{cy}"
            diamond = {"points": points, "fill": "#1f3a5f", "stroke": "#fff"}
            row_out.append(_el("polygon", None, tip, class_="milestone", **diamond))
        out.append(
            _el("g", None, "".join(row_out), class_="phase", data_phase=p.id, data_status=status)
        )
    tx, today_text = x(today), labels.get("today", "today")
    line = _el("line", x1=tx, x2=tx, y1=TOP - 12, y2=height, stroke="#1f3a5f", stroke_width=2)
    text = _el("text", today_text, x=tx + 3, y=TOP - 4, fill="#1f3a5f", font_weight="bold")
    out.append(_el("g", None, line + text, class_="today"))
    root = {"xmlns": "http://www.w3.org/2000/svg", "role": "img", "width": width, "height": height}
    return _el(
        "svg",
        None,
        "".join(out),
        **root,
        viewBox=f"0 0 {width} {height}",
        aria_labelledby="gantt-title gantt-desc",
        font_family=FONT,
        font_size=12,
    )
