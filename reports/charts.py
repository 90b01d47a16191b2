"""Bar charts as inline SVG, drawn here: no external service or script, the same markup in the
browser and in the PDF, and readable printed in black and white (dark bars, labelled values)."""

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LABEL_WIDTH = 84
VALUE_WIDTH = 110
BAR_HEIGHT = 16
GAP = 6
# Named with its SC suffix: a bare "sans-serif" gave the JP face and DejaVu for digits.
FONT = "Noto Sans CJK SC"


def bar_chart(
    rows: list[tuple[str, int | float, str]], *, title: str, width: int = 480
) -> SafeString:
    """Horizontal bars: (label, value, text printed after the bar) per row."""
    top = 22
    height = top + len(rows) * (BAR_HEIGHT + GAP) + 4
    largest = max((value for _label, value, _text in rows), default=0) or 1
    room = width - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" font-size="11" font-family="{FONT}">',
        f'<text x="0" y="14" font-weight="bold" font-size="12">{escape(title)}</text>',
    ]
    for index, (label, value, text) in enumerate(rows):
        y = top + index * (BAR_HEIGHT + GAP)
        length = round(room * value / largest, 1)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="#444"/>'
            f'<text x="{LABEL_WIDTH + length + 4}" y="{y + 12}">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # every text above is escaped
