"""The Atom feed of published letters: each entry carries what the letter's public page
shows (docket.letters.public), its title and text redacted by the same rule
(docket.letters.redaction)."""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from docket.letters.models import Letter
from docket.letters.public import letterhead, public_letter, published, with_public_prefetched
from docket.letters.redaction import plain, public_text

# Feed readers keep what they have seen; the newest letters are enough.
ENTRIES = 20


class LetterFeed(Feed[Letter, None]):
    feed_type = Atom1Feed
    # The public pages need no log-in (LoginRequiredMiddleware reads this).
    login_required = False

    def title(self) -> str:
        return _("Published letters of %(association)s") % {"association": letterhead()}

    def subtitle(self) -> str:
        return _("Open letters to authorities, and how each authority dealt with the questions.")

    def link(self) -> str:
        return reverse("public:letter_list")

    def author_name(self) -> str:
        return letterhead()

    def items(self) -> QuerySet[Letter]:
        return with_public_prefetched(published())[:ENTRIES]

    def item_title(self, item: Letter) -> str:
        # Escaped once more, as Django's own default does: some readers show titles as HTML.
        return escape(plain(public_text(item).title))

    def item_description(self, item: Letter) -> str:
        public = public_letter(item, as_of=timezone.localdate())
        return render_to_string("letters/public_letter_content.html", {"public": public})

    def item_link(self, item: Letter) -> str:
        return reverse("public:letter_detail", args=[item.pk])

    def item_pubdate(self, item: Letter) -> datetime | None:
        return item.published_at

    def item_author_name(self, item: Letter) -> str:
        return letterhead()
