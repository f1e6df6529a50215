"""`isolate`: user-provided text shown in its own direction, wherever it lands.

In HTML, <bdi> (or an element with `dir`) isolates a name; where no element can
go (a page title, a translated sentence, plain text), the Unicode isolate
characters do the same: FIRST STRONG ISOLATE before, POP DIRECTIONAL ISOLATE
after. Stored text holds no such controls (docket.lib.names), so a name cannot
end the isolation early.
"""

from django import template

from docket.lib.names import strip_direction_controls

register = template.Library()


@register.filter
def isolate(value: object) -> str:
    text = "" if value is None else str(value)
    return f"\u2068{strip_direction_controls(text)}\u2069" if text else ""
