"""Person names in Persian, Arabic and Latin script: folding and matching keys.

This module owns every rule by which two written names count as "the same
name". Person matching (`docket.linkage`) and search use it, so that what the
matcher links and what a search finds agree.

Three levels, from exact to coarse:

`fold(text)`
    The same text with the differences that carry no meaning removed: Arabic
    code points become their Persian twins (ي/ى/ئ→ی, ك→ک, ة/ۀ→ه), hamza
    seats are dropped (أ/إ/آ→ا, ؤ→و), harakat, tatweel, zero-width joiners and
    direction marks go, Persian and Arabic digits become ASCII, Latin letters
    are lower-cased without accents or apostrophes, hyphens become spaces.

`name_key(text)`
    A key in a small Latin alphabet that both scripts reduce to. Persian script
    writes consonants and long vowels (ا ā, و ū/v, ی ī/y) but leaves the short
    vowels a, e, o unwritten; Latin spellings write every vowel, and disagree
    about most of them. So the key is a consonant skeleton that keeps only the
    vowel information both scripts carry:

    - consonants by sound, so that letters Persian has several of, and Latin
      spellings of one sound, agree: ت/ط→t; ث/س/ص→s; ذ/ز/ض/ظ→z; ح/ه→h;
      غ/ق, gh, q→q; خ, kh, x→x; ش, sh→S; چ, ch→C; ج/ژ, j, zh, dj→j; ph→f;
      w→v; c→k;
    - long vowels and the glides written with the same letters: و, u, ou, oo,
      v, w→v and ی, i, ee, ei, y→i. Short a, e, o inside a word are dropped
      (Persian never writes them);
    - a word that opens with a vowel (ا, ع, "A", "E", "O"...) starts with "a",
      whichever vowel it is (Ebrahim, Ibrahim and ابراهیم agree);
    - the ending: ا or a final "a" is "a"; ه or a final "e", "eh", "ah" is "e"
      (Zahra زهرا ≠ Zohreh زهره); ی or a final "i", "y", "ee" is "i";
    - ع and ء inside a word, apostrophes, doubled letters, and the spaces and
      hyphens inside a compound (Gholam-Reza, Gholam Reza, Gholamreza, غلامرضا;
      Ali Zadeh, Alizadeh, علی‌زاده) do not count.

    "Gholamreza Shekari", "Qolamreza Shakari", "Gholam-Reza Shekary" and
    "غلامرضا شکاری" all give "qlmrzSkri" (inside a whole name, a word's last
    vowel counts as the middle of one long word, as in a compound).

    Where a Latin spelling is ambiguous, `name_key` reads it the way Persian
    transliterations mostly write: a single "u" is a long vowel, a single "o"
    a short one. Arabic-style spellings write the short o with "u" (Muhammad,
    Hussein) and some write ū with "o" (Mosavi); `name_key_variants` also gives
    those readings, so "Hussein" shares a key with حسین and "Hossein" but not
    with "Hasan". A single "i" is always long: reading it short as well (Kazim
    for کاظم) would make Hamid meet Hamed and Javid meet Javad, so Kazim and
    Nargis meet Kazem and Narges only on the skeleton.

`name_skeleton(text)`
    The coarsest key: `name_key` without any vowel or glide inside the word and
    without the a/e distinction at its end. Every spelling of a name shares it,
    and so do a few different names (Hasan and Hossein); blocking and the
    weakest level of a comparison use it, never a decision on its own.

`name_keys(full_name)` gives the keys of a whole name with unknown order, for
any split between given and family names (Shekari Gholamreza, Gholamreza
Shekari). Two names match when their sets share a key.

Scripts other than Persian, Arabic and Latin keep only their Latin letters;
another transliterator could be put in front of `_latin_symbols` if needed.
"""

import itertools
import re
import unicodedata
from functools import lru_cache
from typing import Any

from django.db.models import CharField

__all__ = [
    "fold",
    "name_key",
    "name_key_variants",
    "name_keys",
    "name_skeleton",
    "strip_direction_controls",
    "strip_direction_controls_from",
]

# At most this many readings of one name; more ambiguous spellings keep the first ones.
MAX_READINGS = 16

_ZWNJ = "\u200c"

# Arabic code points and their Persian twins, digits, and characters that
# carry no meaning in a name. Applied after decomposition, so hamza and madda
# above (U+0654, U+0653) are already gone: أ → ا, ؤ → و, ئ → ي → ی.
_FOLD_TABLE = str.maketrans(
    {
        "\u064a": "\u06cc",  # Arabic yeh → Persian yeh
        "\u0649": "\u06cc",  # alef maksura → Persian yeh
        "\u0643": "\u06a9",  # Arabic kaf → Persian keheh
        "\u0629": "\u0647",  # teh marbuta → heh
        "\u06d5": "\u0647",  # ae (what ۀ decomposes to) → heh
        "\u06c1": "\u0647",  # heh goal → heh
        "\u0671": "\u0627",  # alef wasla → alef
        "\u0621": None,  # standalone hamza
        "\u0640": None,  # tatweel
        "\u200b": None,  # zero-width space
        "\u200d": None,  # zero-width joiner
        "\u200e": None,  # left-to-right mark
        "\u200f": None,  # right-to-left mark
        "\u061c": None,  # Arabic letter mark
        "\ufeff": None,  # byte-order mark
        # Apostrophes and ayn/hamza marks in Latin transliterations (Ja'fari, Ma‘sumeh).
        "'": None,
        "\u2019": None,
        "\u2018": None,
        "\u02bc": None,
        "\u02be": None,
        "\u02bf": None,
        "`": None,
        "\u00b4": None,
        "-": " ",
        "\u2010": " ",
        "\u2011": " ",
        "_": " ",
        **{chr(0x06F0 + digit): str(digit) for digit in range(10)},  # Persian digits
        **{chr(0x0660 + digit): str(digit) for digit in range(10)},  # Arabic-Indic digits
    }
)
# Direction embeddings and isolates (U+202A–U+202E, U+2066–U+2069).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")
_HAS_CONTROL = re.compile(
    "[\u202a-\u202e\u2066-\u2069]|^[\u200e\u200f\u061c]|[\u200e\u200f\u061c]$"
)
_SPACES = re.compile(r"\s+")
_ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f]")


# Direction marks (LRM, RLM, ALM): harmless inside a name written in two scripts,
# but at either end they pull the text around the name into their direction.
_END_MARKS = "\u200e\u200f\u061c"


def strip_direction_controls(text: str) -> str:
    """`text` with no direction embedding, override or isolate (U+202A–U+202E,
    U+2066–U+2069), and no direction mark at either end.

    An override in a name flips everything displayed after it (a list of names,
    a sentence around one), so names and other short text are stored without
    them; pages isolate each name (<bdi>, `isolate`) to show it in its own
    direction instead.
    """
    return _BIDI_CONTROLS.sub("", text).strip(_END_MARKS)


def strip_direction_controls_from(instance: Any) -> None:
    """Apply `strip_direction_controls` to every short text field (CharField) of a model
    instance: names, titles, places, references. Long texts keep their marks."""
    for name in _short_text_fields(instance.__class__):
        value = getattr(instance, name, None)
        if isinstance(value, str) and _HAS_CONTROL.search(value):
            setattr(instance, name, strip_direction_controls(value))


@lru_cache(maxsize=1024)
def _short_text_fields(model: Any) -> tuple[str, ...]:
    """The attribute names of a model's short text fields: CharFields without choices."""
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, CharField) and not field.choices
    )


def _fold(text: str, *, keep_zwnj: bool) -> str:
    # NFKC first turns Arabic presentation forms (ﻋﻠﻲ) into letters; NFD then
    # splits off accents, harakat, hamza and madda as combining marks to drop.
    text = unicodedata.normalize("NFKC", text)
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _BIDI_CONTROLS.sub("", text.translate(_FOLD_TABLE))
    text = text.replace(_ZWNJ, " " if keep_zwnj else "")
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def fold(text: str) -> str:
    """The text without differences that carry no meaning in a name (see module doc).

    Zero-width non-joiners are removed, so "علی‌رضا" and "علیرضا" fold alike.
    """
    return _fold(text, keep_zwnj=False)


# A token becomes a list of slots; each slot holds the symbol strings it may
# stand for, the first being the usual reading ("" means "nothing").
Slots = list[tuple[str, ...]]

# --- Persian and Arabic script ---------------------------------------------

_ALEF = "\u0627"
_AYN = "\u0639"
_VAV = "\u0648"
_YEH = "\u06cc"
_HEH = "\u0647"
_KHEH = "\u062e"
_PERSIAN_CONSONANTS = {
    "\u0628": "b",  # ب
    "\u067e": "p",  # پ
    "\u062a": "t",  # ت
    "\u0637": "t",  # ط
    "\u062b": "s",  # ث
    "\u0633": "s",  # س
    "\u0635": "s",  # ص
    "\u062c": "j",  # ج
    "\u0698": "j",  # ژ (zh, written j as often as zh)
    "\u0686": "C",  # چ
    "\u062d": "h",  # ح
    "\u062e": "x",  # خ
    "\u062f": "d",  # د
    "\u0630": "z",  # ذ
    "\u0632": "z",  # ز
    "\u0636": "z",  # ض
    "\u0638": "z",  # ظ
    "\u0631": "r",  # ر
    "\u0634": "S",  # ش
    "\u063a": "q",  # غ
    "\u0642": "q",  # ق
    "\u0641": "f",  # ف
    "\u06a9": "k",  # ک
    "\u06af": "g",  # گ
    "\u0644": "l",  # ل
    "\u0645": "m",  # م
    "\u0646": "n",  # ن
    _HEH: "h",
    _VAV: "v",
    _YEH: "i",
}
_PERSIAN_VOWEL_LETTERS = {_ALEF, _VAV, _YEH}
_PERSIAN_LETTERS = frozenset(_PERSIAN_CONSONANTS) | {_ALEF, _AYN}
# Arabic loans whose final ی is an alef maksura, read ā: Morteza, Mostafa, Musa.
# Nothing in the spelling tells them from the far more common final ī (Karimi),
# so they are listed.
_FINAL_YEH_READ_A = frozenset(
    (
        "مرتضی",
        "مصطفی",
        "موسی",
        "عیسی",
        "یحیی",
        "مجتبی",
        "کبری",
        "صغری",
        "هدی",
        "لیلی",
        "مولی",
        "عظمی",
        "اعلی",
    )
)


def _persian_slots(token: str, *, first: bool, last_token: bool) -> Slots:
    letters = [
        char for char in token if char == _ALEF or char == _AYN or char in _PERSIAN_CONSONANTS
    ]
    slots: Slots = []
    index = 0
    if letters and letters[0] in (_ALEF, _AYN):
        # A word that opens with a vowel: ا, آ or ع, and the و or ی that spells
        # its long vowel (ایرج Iraj, اورنگ Ourang) unless a vowel follows them,
        # when they are consonants (آواز Avaz).
        slots.append(("a",) if first else ("",))
        index = 1
        while index < len(letters) and letters[index] in (_ALEF, _AYN):
            index += 1
        if (
            index < len(letters) - 1
            and letters[index] in (_VAV, _YEH)
            and letters[index + 1] not in _PERSIAN_VOWEL_LETTERS
        ):
            index += 1
    # Inside a compound (رضا فر, فاطمه زهرا) a word's end is read as the middle
    # of one word, so that it matches the compound written joined (رضافر).
    last = len(letters) - 1 if last_token else len(letters)
    for position in range(index, len(letters)):
        letter = letters[position]
        if letter == _AYN:
            continue  # a glottal stop Latin spellings mostly leave out
        if position == last and letter == _ALEF:
            slots.append(("a",))
        elif position == last and letter == _YEH and token in _FINAL_YEH_READ_A:
            slots.append(("a", "i"))
        elif position == last and letter == _HEH and position > 0:
            slots.append(("e",))
        elif letter == _ALEF:
            continue  # ā inside a word: Latin writes it "a", like the unwritten short a
        elif (
            letter == _VAV
            and position > 0
            and letters[position - 1] == _KHEH
            and position + 1 < len(letters)
            and letters[position + 1] not in _PERSIAN_VOWEL_LETTERS
        ):
            # خو before a consonant is often a silent vav: خورشید Khorshid.
            slots.append(("v", ""))
        else:
            slots.append((_PERSIAN_CONSONANTS[letter],))
    return slots


# --- Latin script ------------------------------------------------------------

_LATIN_DIGRAPHS = (
    ("sch", "S"),
    ("tch", "C"),
    ("kh", "x"),
    ("gh", "q"),
    ("qh", "q"),
    ("sh", "S"),
    ("ch", "C"),
    ("zh", "j"),
    ("jh", "j"),
    ("dj", "j"),
    ("ph", "f"),
    ("th", "t"),
    ("dh", "z"),
    ("ck", "k"),
)
_LATIN_CONSONANTS = {
    "b": "b",
    "c": "k",
    "d": "d",
    "f": "f",
    "g": "g",
    "h": "h",
    "j": "j",
    "k": "k",
    "l": "l",
    "m": "m",
    "n": "n",
    "p": "p",
    "q": "q",
    "r": "r",
    "s": "s",
    "t": "t",
    "v": "v",
    "w": "v",
    "x": "x",
    "z": "z",
}
_LATIN_VOWELS = frozenset("aeiouy")
_DIGRAPH_PATTERN = re.compile("|".join(digraph for digraph, _ in _LATIN_DIGRAPHS))
_DIGRAPH_SYMBOLS = dict(_LATIN_DIGRAPHS)


def _latin_units(token: str) -> list[tuple[str, str]]:
    """Split a token into ("c", symbol) consonants and ("v", letters) vowel runs."""
    units: list[tuple[str, str]] = []
    position = 0
    while position < len(token):
        char = token[position]
        following = token[position + 1] if position + 1 < len(token) else ""
        if char == "y" and following in _LATIN_VOWELS and following != "y":
            # y before a vowel is the glide ی: Yousef, Maryam, Seyed.
            units.append(("c", "i"))
            position += 1
        elif char in _LATIN_VOWELS:
            if units and units[-1][0] == "v":
                units[-1] = ("v", units[-1][1] + char)
            else:
                units.append(("v", char))
            position += 1
        else:
            digraph = _DIGRAPH_PATTERN.match(token, position)
            if digraph:
                units.append(("c", _DIGRAPH_SYMBOLS[digraph.group()]))
                position = digraph.end()
            else:
                symbol = _LATIN_CONSONANTS.get(char)
                if symbol:
                    units.append(("c", symbol))
                position += 1
    return units


def _vowel_run_symbols(run: str) -> str:
    """The long vowels and glides a vowel run spells: ee, ei, i, y → i; oo, ou, u → v."""
    symbols = ""
    position = 0
    while position < len(run):
        pair = run[position : position + 2]
        if pair == "ee":
            symbol, step = "i", 2
        elif pair in ("oo", "ou"):
            symbol, step = "v", 2
        elif run[position] in "iy":
            symbol, step = "i", 1
        elif run[position] == "u":
            symbol, step = "v", 1
        else:
            symbol, step = "", 1
        if symbol and not symbols.endswith(symbol):
            symbols += symbol
        position += step
    return symbols


def _final_run_slot(run: str, *, with_h: bool) -> tuple[str, ...]:
    last = run[-1]
    if last in "ae" and not run.endswith("ee"):
        # Fatemeh, Fatemah, Tahere → e (ه); Reza, Zahra → a (ا).
        ending = "e" if last == "e" or with_h else "a"
        return (_vowel_run_symbols(run[:-1]) + ending,)
    if last == "o":
        return (_vowel_run_symbols(run[:-1]) + "v",)  # Khosro خسرو
    return (_vowel_run_symbols(run),)


def _latin_slots(token: str, *, first: bool, last_token: bool) -> Slots:
    units = _latin_units(token)
    with_h = False
    # A final h after a vowel only lengthens it (Fatemeh, Shah); Sobh keeps its h.
    # Inside a compound (Reza Far, Fatemeh Zahra) a word's end is read as the
    # middle of one word, so that it matches the compound written joined.
    if last_token and len(units) >= 2 and units[-1] == ("c", "h") and units[-2][0] == "v":
        units.pop()
        with_h = True
    slots: Slots = []
    for position, (kind, value) in enumerate(units):
        if kind == "c":
            slots.append((value,))
        elif position == 0:
            slots.append(("a",) if first else ("",))
        elif position == len(units) - 1 and last_token:
            slots.append(_final_run_slot(value, with_h=with_h))
        elif value == "u":
            slots.append(("v", ""))  # long ū (Behruz), or Arabic-style short o (Muhammad)
        elif value == "o":
            slots.append(("", "v"))  # short o (Hossein), or ū written o (Mosavi)
        else:
            slots.append((_vowel_run_symbols(value),))
    return slots


# --- keys --------------------------------------------------------------------


def _collapse(symbols: str) -> str:
    """Drop repeated symbols: Hossein's ss, Mohammad's mm, Sayyed's yy."""
    return "".join(symbol for symbol, _ in itertools.groupby(symbols))


@lru_cache(maxsize=65536)
def _token_slots(token: str, first: bool, last: bool) -> tuple[tuple[str, ...], ...]:
    if _ARABIC_SCRIPT.search(token):
        return tuple(_persian_slots(token, first=first, last_token=last))
    return tuple(_latin_slots(token, first=first, last_token=last))


def _tokens(text: str) -> list[str]:
    return _fold(text, keep_zwnj=True).split()


def _readings(tokens: list[str]) -> list[str]:
    """Every reading of the tokens in this order, the usual reading first."""
    final = len(tokens) - 1
    slots = [
        slot
        for index, token in enumerate(tokens)
        for slot in _token_slots(token, index == 0, index == final)
    ]
    readings: dict[str, None] = {}
    for choice in itertools.product(*slots):
        readings.setdefault(_collapse("".join(choice)), None)
        if len(readings) >= MAX_READINGS:
            break
    return [reading for reading in readings if reading]


@lru_cache(maxsize=65536)
def name_key(text: str) -> str:
    """The matching key of one name (a given name, a family name, or a whole name)."""
    readings = _readings(_tokens(text))
    return readings[0] if readings else ""


@lru_cache(maxsize=65536)
def name_key_variants(text: str) -> frozenset[str]:
    """`name_key` and the keys of the other readings of an ambiguous Latin spelling."""
    return frozenset(_readings(_tokens(text)))


def _skeleton_of_key(key: str) -> str:
    if len(key) < 3:
        return key
    middle = key[1:-1].replace("i", "").replace("v", "")
    ending = "a" if key[-1] == "e" else key[-1]
    return _collapse(key[0] + middle + ending)


@lru_cache(maxsize=65536)
def name_skeleton(text: str) -> str:
    """The coarsest key, shared by every spelling of a name (see module doc)."""
    return _skeleton_of_key(name_key(text))


def name_keys(full_name: str) -> set[str]:
    """The keys of a whole name in any order of its given and family parts.

    Each rotation of the words stands for one split between given and family
    names put the other way round: "Gholam Reza Shekari" also gives the keys
    of "Shekari Gholam Reza" and "Reza Shekari Gholam".
    """
    tokens = _tokens(full_name)
    keys: set[str] = set()
    for start in range(len(tokens)):
        keys.update(_readings(tokens[start:] + tokens[:start]))
    return keys
