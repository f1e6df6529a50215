"""`term`: a vocabulary label, translated, or marked as English where it is not.

Event types, roles, relationship kinds and instruments are data (docket/lib/vocabulary.py),
with English labels; an administrator may add terms no catalogue translates. On a Persian or
Albanian page, an English label left as it is must say so (`lang="en"`), or a screen reader
reads it with Persian or Albanian pronunciation (WCAG 3.1.2, language of parts). A label
that has a translation is shown translated, with no mark.

    {% load terms %}{{ event.type|term }}   or   {{ event.type.label|term }}
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

register = template.Library()


def english(label: str) -> tuple[str, bool]:
    """The label as shown in the current language, and whether it stays in English."""
    shown = gettext(label) if label else ""
    language = (get_language() or "en").split("-")[0]
    return shown, bool(label) and shown == label and language != "en"


@register.filter
def term(value: object) -> SafeString | str:
    """A term (anything with an English `label`) or its label, translated, or in a
    `<span lang="en">` when the current language has no translation of it."""
    if value is None:
        return ""
    label = str(getattr(value, "label", value))
    shown, untranslated = english(label)
    if untranslated:
        return format_html('<span lang="en">{}</span>', shown)
    return shown
