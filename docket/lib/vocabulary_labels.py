"""The labels of the vocabularies shipped as data, listed so makemessages finds them.

The database keeps each label in English (the msgid); pages show it through
gettext (`Term.__str__`, `Article.shown_title`, `Instrument.shown_name`), so a
label an administrator adds later shows in English until it is translated.
Generated from docket/cases/vocabulary.json, docket/people/vocabulary.json and
docket/law/rights.json: keep in step with them (tests/test_translations.py checks).
"""

from django.utils.translation import gettext_noop

EVENT_TYPES = (
    gettext_noop("Detention"),
    gettext_noop("Release"),
    gettext_noop("Transfer"),
    gettext_noop("Deportation or removal"),
    gettext_noop("Return"),
    gettext_noop("Entry refused"),
    gettext_noop("Visa refused"),
    gettext_noop("Visit refused"),
    gettext_noop("Search and seizure"),
    gettext_noop("Document refused"),
    gettext_noop("Contact barred"),
    gettext_noop("Charge brought"),
    gettext_noop("Hearing"),
    gettext_noop("Trial"),
    gettext_noop("Other"),
)

ROLES = (
    gettext_noop("Victim"),
    gettext_noop("Perpetrator"),
    gettext_noop("Witness"),
    gettext_noop("Family member"),
    gettext_noop("Intervening party"),
)

RELATIONSHIP_KINDS = (
    gettext_noop("Parent"),
    gettext_noop("Child"),
    gettext_noop("Spouse"),
    gettext_noop("Sibling"),
    gettext_noop("Other relative"),
)

INSTRUMENTS = (
    gettext_noop("Universal Declaration of Human Rights"),
    gettext_noop("International Covenant on Civil and Political Rights"),
    gettext_noop("Convention relating to the Status of Refugees (1951)"),
    gettext_noop("European Convention on Human Rights"),
    gettext_noop("Convention against Torture"),
)

ARTICLES = (
    gettext_noop("Freedom from arbitrary arrest, detention or exile"),
    gettext_noop("Privacy, family, home and correspondence"),
    gettext_noop("Freedom of movement; to leave and return"),
    gettext_noop("Asylum from persecution"),
    gettext_noop("Marriage and the protection of the family"),
    gettext_noop("Property"),
    gettext_noop("Liberty and security of person"),
    gettext_noop("Liberty of movement"),
    gettext_noop("Expulsion of aliens"),
    gettext_noop("Fair trial"),
    gettext_noop("Protection of the family"),
    gettext_noop("Wage-earning employment"),
    gettext_noop("Identity papers"),
    gettext_noop("Travel documents"),
    gettext_noop("Refugees unlawfully in the country of refuge"),
    gettext_noop("Expulsion"),
    gettext_noop("Prohibition of expulsion or return (refoulement)"),
    gettext_noop("Prohibition of torture and inhuman or degrading treatment"),
    gettext_noop("Right to liberty and security"),
    gettext_noop("Right to a fair trial"),
    gettext_noop("Right to respect for private and family life"),
    gettext_noop("Right to an effective remedy"),
    gettext_noop("Protection of property (Protocol 1, article 1)"),
    gettext_noop("No return to a State where there is a risk of torture"),
)
