"""Emails as HTML with a plain-text part, in one language and its direction.

Every email Docket writes for a person (a letter's copy to an authority, a reminder to
its writer) goes through `html_email`: the HTML part is `email/base.html` around the
given body, with `lang` and `dir` of the language, so a Persian letter reads right to
left in the recipient's mail program; the plain-text part is for those that show no
HTML. Machine-read mail (the audit log's anchor) stays plain text.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def direction(language: str) -> str:
    return "rtl" if translation.get_language_info(language)["bidi"] else "ltr"


def html_email(
    *,
    subject: str,
    text: str,
    template: str,
    context: dict[str, Any],
    language: str,
    to: list[str],
    from_email: str | None = None,
    reply_to: list[str] | None = None,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """An email whose HTML part is `template` (extending email/base.html) rendered in
    `language`, and whose plain-text part is `text`."""
    with translation.override(language):
        html = render_to_string(
            template,
            {
                **context,
                "subject": subject,
                "language": language,
                "direction": direction(language),
                "letterhead": settings.LETTERHEAD,
            },
        )
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=reply_to,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message
