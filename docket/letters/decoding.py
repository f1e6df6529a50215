"""Reading mail as it really arrives: any charset, broken headers, HTML, attachments.

Authorities answer from every kind of mail program: a Persian reply in
windows-1256 sent as raw 8-bit bytes, a label no codec knows
("x-unknown"), an encoded word in a subject that lies about its charset,
an HTML-only message, a PDF inside three levels of multipart. Nothing here
refuses a whole message for one bad part: text is decoded by the first of

1. the charset the part declares (through Python's aliases and a few labels
   mail programs use that Python does not know);
2. UTF-8, the most common undeclared charset;
3. detection (charset-normalizer), among the charsets mail in Docket's
   languages is actually sent in;
4. windows-1252 with replacement characters, which always gives text;

and the caller is told which one it was, so a guess can be shown as one.
"""

import base64
import binascii
import codecs
import mimetypes
import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from html.parser import HTMLParser

import charset_normalizer
import nh3

# Labels seen in real mail that Python's codec registry does not know, or knows under
# another name; the value is what to decode them as (as the WHATWG encoding standard does).
CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "iso-8859-6-i": "iso-8859-6",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "x-sjis": "shift_jis",
    "x-euc-jp": "euc_jp",
    "x-mac-cyrillic": "mac_cyrillic",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "windows-874": "cp874",
    "tis-620": "cp874",
}

# What detection may choose from: the charsets mail in English, Persian, Albanian and
# their neighbours is sent in. Left open, detection picks rare Baltic or Mac tables for
# short Latin texts ("Përshëndetje" read as "Pėrshėndetje").
DETECTABLE = [
    "utf_8",
    "cp1252",
    "iso8859_2",
    "cp1250",
    "cp1256",
    "iso8859_6",
    "cp1251",
    "koi8_r",
    "iso8859_5",
    "iso8859_7",
    "cp1253",
    "cp1254",
    "iso8859_15",
    "cp1255",
    "iso8859_8",
    "big5",
    "gb18030",
    "shift_jis",
    "euc_jp",
    "euc_kr",
]

FALLBACK = "cp1252"
# Codecs Python has that are no charset: a label naming one is treated as unknown.
NOT_CHARSETS = {"unicode_escape", "raw_unicode_escape", "idna", "punycode", "undefined"}
# Control characters never meant as text (NUL cannot even be stored by PostgreSQL), and
# halves of surrogate pairs, which no database stores either.
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SURROGATES = re.compile(r"[\ud800-\udfff]")


@dataclass(frozen=True)
class Decoded:
    text: str
    charset: str
    # How the charset was found: "declared", "utf-8", "detected", "fallback".
    how: str


def codec_for(label: str | None) -> str | None:
    """The Python codec a charset label names, or None when nothing knows it."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = CHARSET_ALIASES.get(label, label)
    try:
        info = codecs.lookup(label)
    except LookupError:
        return None
    # Bytes-to-bytes codecs (base64, zlib…) are no charset either.
    if info.name.replace("-", "_") in NOT_CHARSETS or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def clean(text: str) -> str:
    text = SURROGATES.sub("\ufffd", text)
    return CONTROLS.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def decode(data: bytes, declared: str | None = None) -> Decoded:
    """`data` as text, whatever it claims to be; see the module's docstring for the order."""
    codec = codec_for(declared)
    if codec is not None:
        try:
            return Decoded(clean(data.decode(codec)), codec, "declared")
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return Decoded(clean(data.decode("utf-8")), "utf-8", "utf-8")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data, cp_isolation=DETECTABLE).best()
    if best is not None:
        return Decoded(clean(str(best)), best.encoding, "detected")
    # The declared charset, if Python knows it, read what it can; otherwise Western.
    fallback = codec or FALLBACK
    return Decoded(clean(data.decode(fallback, errors="replace")), fallback, "fallback")


# Headers


ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
BETWEEN_WORDS = re.compile(rb"^[ \t\r\n]*$")


def _encoded_word(charset: bytes, encoding: bytes, payload: bytes) -> str:
    label = charset.decode("ascii", errors="replace").split("*", 1)[0]  # RFC 2231 language
    try:
        if encoding.upper() == b"B":
            data = base64.b64decode(payload + b"=" * (-len(payload) % 4))
        else:
            data = quopri.decodestring(payload.replace(b"_", b" "), header=True)
    except (binascii.Error, ValueError):
        data = payload
    return decode(data, label).text


def header_text(raw: str | bytes) -> str:
    """A header's value as text: encoded words decoded by their own charsets, raw 8-bit
    bytes by the rule above, folded lines joined."""
    data = raw if isinstance(raw, bytes) else raw.encode("utf-8", errors="surrogateescape")
    data = re.sub(rb"\r?\n[ \t]", b" ", data)
    pieces: list[str] = []
    position = 0
    previous_was_word = False
    for match in ENCODED_WORD.finditer(data):
        between = data[position : match.start()]
        # Whitespace between two encoded words is not part of the text (RFC 2047).
        if between and not (previous_was_word and BETWEEN_WORDS.match(between)):
            pieces.append(decode(between).text)
        pieces.append(_encoded_word(*match.groups()))
        position = match.end()
        previous_was_word = True
    if position < len(data):
        pieces.append(decode(data[position:]).text)
    return " ".join("".join(pieces).split())


def header(message: Message, name: str) -> str:
    """Header `name` as text, never failing: the email package's reading when it is clean,
    else our own reading of the raw value (a header the package cannot parse, an unknown
    charset in an encoded word, raw 8-bit bytes)."""
    raw_values = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    if not raw_values:
        return ""
    try:
        parsed = message.get(name)
        text = str(parsed) if parsed is not None else ""
    except Exception:  # noqa: BLE001 - any parsing bug in a header must not lose the message
        text = "\ufffd"
    if "\ufffd" in text or _has_surrogates(text):
        text = header_text(raw_values[0])
    return " ".join(clean(text).split())


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# HTML


# Elements that start a line of their own, and those that end a paragraph.
LINE_BREAKS = {"br", "tr", "li", "dt", "dd"}
PARAGRAPHS = {
    "p",
    "div",
    "blockquote",
    "pre",
    "table",
    "ul",
    "ol",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "address",
    "section",
    "article",
    "header",
    "footer",
}
KEPT_TAGS = LINE_BREAKS | PARAGRAPHS | {"td", "th"}


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.in_pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "pre":
            self.in_pre += 1
        if tag in PARAGRAPHS:
            self.pieces.append("\n\n")
        elif tag in LINE_BREAKS:
            self.pieces.append("\n")
        elif tag in {"td", "th"}:
            self.pieces.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "pre" and self.in_pre:
            self.in_pre -= 1
        if tag in PARAGRAPHS:
            self.pieces.append("\n\n")

    def handle_data(self, data: str) -> None:
        # Outside <pre>, runs of white space in HTML are one space.
        self.pieces.append(data if self.in_pre else re.sub(r"\s+", " ", data))


def html_to_text(markup: str) -> str:
    """The words of an HTML message with its paragraphs and line breaks: sanitised first
    (scripts, styles and comments dropped with their content), then read as text."""
    sanitised = nh3.clean(markup, tags=KEPT_TAGS, attributes={})
    parser = _TextOfHtml()
    parser.feed(sanitised)
    parser.close()
    lines = [line.strip(" ") for line in "".join(parser.pieces).split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# Parts


@dataclass(frozen=True)
class Attachment:
    name: str
    content: bytes
    declared_type: str


def part_text(part: Message) -> Decoded:
    """A text part's words, decoded from its transfer encoding and charset."""
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    decoded = decode(data, part.get_content_charset())
    if part.get_content_type() == "text/html":
        return Decoded(html_to_text(decoded.text), decoded.charset, decoded.how)
    return Decoded(decoded.text.strip(), decoded.charset, decoded.how)


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";", 1)[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() == "text" and part.get_content_subtype() in {"plain", "html"}:
        return bool(_filename(part))
    return True


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except Exception:  # noqa: BLE001 - a broken parameter loses the name, not the file
        return ""
    if isinstance(name, tuple):  # an RFC 2231 value the package left undecoded
        name = name[2]
    return header_text(str(name))


def leaves(message: Message) -> Iterator[Message]:
    """Every part that is not a container; an enclosed message counts as one part."""
    if message.is_multipart() and message.get_content_type() != "message/rfc822":
        for part in message.get_payload():
            if isinstance(part, Message):
                yield from leaves(part)
    else:
        yield message


def body_and_attachments(message: Message) -> tuple[Decoded | None, list[Attachment]]:
    """The text a person reads (plain text preferred, else HTML) and every other part."""
    plain: Message | None = None
    markup: Message | None = None
    attachments: list[Attachment] = []
    for part in leaves(message):
        if not _is_attachment(part):
            if part.get_content_subtype() == "plain" and plain is None:
                plain = part
                continue
            if part.get_content_subtype() == "html" and markup is None:
                markup = part
                continue
        attachments.append(_attachment(part, len(attachments) + 1))
    # HTML beside the plain text is a second reading of the same words, unless the two
    # are not alternatives (a plain text message with an HTML file attached).
    if plain is not None and markup is not None and not _is_alternative(message, plain, markup):
        attachments.append(_attachment(markup, len(attachments) + 1))
    chosen = plain if plain is not None else markup
    body = part_text(chosen) if chosen is not None else None
    if body is not None and not body.text and chosen is plain and markup is not None:
        body = part_text(markup)
    return body, [attachment for attachment in attachments if attachment.content]


def _is_alternative(message: Message, plain: Message, markup: Message) -> bool:
    """Whether the two body parts are readings of one text (siblings in an alternative)."""
    for part in message.walk():
        if part.get_content_type() == "multipart/alternative":
            children = list(leaves(part))
            if any(child is plain for child in children) and any(
                child is markup for child in children
            ):
                return True
    return False


def _attachment(part: Message, number: int) -> Attachment:
    if part.get_content_type() == "message/rfc822":
        enclosed = part.get_payload()
        inner = enclosed[0] if isinstance(enclosed, list) and enclosed else None
        content = inner.as_bytes() if isinstance(inner, Message) else b""
    else:
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
    declared = part.get_content_type()
    name = _filename(part)
    if not name:
        extension = mimetypes.guess_extension(declared) or ".bin"
        name = f"attachment-{number}{extension}"
    return Attachment(name=name, content=content, declared_type=declared)
