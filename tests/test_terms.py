"""`|term`: a vocabulary label left in English on a Persian or Albanian page says so."""

from types import SimpleNamespace

from django.template import Context, Template
from django.utils.translation import gettext, override

SHOWN = Template("{% load terms %}{{ value|term }}")


def _shown(value: object, language: str) -> str:
    with override(language):
        return SHOWN.render(Context({"value": value}))


def test_an_untranslated_label_is_marked_english_on_a_persian_page():
    # An administrator's own term, which no catalogue translates.
    term = SimpleNamespace(label="Held at sea <unlisted>")

    assert _shown(term, "fa") == '<span lang="en">Held at sea &lt;unlisted&gt;</span>'
    assert _shown(term, "sq") == '<span lang="en">Held at sea &lt;unlisted&gt;</span>'
    assert _shown(term, "en") == "Held at sea &lt;unlisted&gt;"


def test_a_translated_label_is_shown_translated_and_unmarked():
    with override("fa"):
        persian = gettext("Cases")
    assert persian != "Cases"

    assert _shown("Cases", "fa") == persian
    assert _shown(SimpleNamespace(label="Cases"), "fa") == persian
    assert _shown(None, "fa") == ""
