"""Cells of CSV files that people open in a spreadsheet.

A spreadsheet runs a cell that begins with = + - @ (or a tab or carriage
return before one) as a formula, which can fetch a web address or run a
command on the reader's machine (CSV injection). As OWASP advises, such a cell
is written with a single quote in front, which spreadsheets show as text; the
csv module then quotes what needs quoting.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text that no spreadsheet runs: a leading apostrophe where it could."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def safe_row(values: list[object]) -> list[str]:
    return [safe_cell(value) for value in values]
