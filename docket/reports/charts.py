"""Bar charts drawn by Docket itself, as SVG inside the page: no script, no library.

Bars are horizontal, so a long name in any script has room; in a right-to-left
language the labels stand on the right and the bars grow leftwards. Every
label is isolated (FSI…PDI) so a Persian place name among Latin ones keeps its
own direction, and the chart carries a title and a description for screen
readers; the page prints the same numbers in a table beside it.
"""

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from docket.lib.names import strip_direction_controls

BAR = 22
GAP = 6
LABEL_WIDTH = 220
BAR_WIDTH = 360
NUMBER_WIDTH = 60
TOP = 8


@dataclass
class Bar:
    label: str
    value: int
    shown: str  # the number as printed ("<5" on a public page)
    withheld: bool = False


def _isolated(text: str) -> str:
    return f"\u2068{strip_direction_controls(text)}\u2069"


def _cut(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    bars: list[Bar], *, title: str, description: str, chart_id: str, rtl: bool = False
) -> SafeString:
    """An SVG of one bar per item; a withheld bar is drawn as an outline only."""
    width = LABEL_WIDTH + BAR_WIDTH + NUMBER_WIDTH
    height = TOP * 2 + len(bars) * (BAR + GAP)
    largest = max([bar.value for bar in bars if not bar.withheld] + [1])
    direction = "rtl" if rtl else "ltr"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" direction="{direction}">',
        f'<title id="{chart_id}-title">{escape(_isolated(title))}</title>',
        f'<desc id="{chart_id}-desc">{escape(_isolated(description))}</desc>',
    ]
    for index, bar in enumerate(bars):
        y = TOP + index * (BAR + GAP)
        length = 0 if bar.withheld else round(BAR_WIDTH * bar.value / largest)
        length = max(length, 2) if bar.value and not bar.withheld else length
        if rtl:
            label_x, anchor = width - 4, "start"
            bar_x = width - LABEL_WIDTH - 8 - length
            number_x = bar_x - 4
        else:
            label_x, anchor = 4, "start"
            bar_x = LABEL_WIDTH + 8
            number_x = bar_x + length + 4
        middle = y + BAR * 0.7
        parts.append(
            f'<text x="{label_x}" y="{middle:.1f}" text-anchor="{anchor}" '
            f'direction="{direction}" class="chart-label">'
            f"{escape(_isolated(_cut(bar.label)))}</text>"
        )
        if bar.withheld:
            outline_x = bar_x if not rtl else width - LABEL_WIDTH - 8 - 24
            parts.append(
                f'<rect x="{outline_x}" y="{y}" width="24" height="{BAR}" '
                'class="chart-bar withheld" '
                'fill="none" stroke="currentColor" stroke-dasharray="3 2"/>'
            )
            number_x = outline_x + 28 if not rtl else outline_x - 4
        else:
            parts.append(
                f'<rect x="{bar_x}" y="{y}" width="{length}" height="{BAR}" class="chart-bar"/>'
            )
        parts.append(
            f'<text x="{number_x}" y="{middle:.1f}" text-anchor="{"end" if rtl else "start"}" '
            f'direction="ltr" class="chart-number">{escape(bar.shown)}</text>'
        )
    parts.append("</svg>")
    # Every text above is escaped; the rest is our own markup.
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703
