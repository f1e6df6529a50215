"""Small cells on public reports: no one is identified by a count.

The rule (docs/reports.md, "Small cells"):

1. **Primary**: a count from 1 to 4 is shown as "<5" (zero is shown: it names
   no one).
2. **Secondary**: where a row or a column (or the row of totals) has exactly one
   cell withheld and its total is shown, its total minus the others would give
   the withheld count back; so the smallest other non-zero cell of that row or
   column is withheld too, or, if there is none, the total itself. This is
   repeated until no row or column has a single withheld cell beside a shown
   total.
3. A withheld total, row or column, is withheld wherever it is shown.

A cell withheld by rule 1 shows "<5"; one withheld by rule 2 shows "—", so a
reader is not told a larger count is small.
"""

from dataclasses import dataclass, field

SMALL = 5

PRIMARY = "primary"
SECONDARY = "secondary"

# A position in the table: ("cell", row, column), ("row", row, ""),
# ("column", "", column) or ("total", "", "").
Position = tuple[str, str, str]


@dataclass
class Withheld:
    why: dict[Position, str] = field(default_factory=dict)

    def shown(self, position: Position, count: int) -> str:
        reason = self.why.get(position)
        if reason == PRIMARY:
            return "<5"
        if reason == SECONDARY:
            return "—"
        return str(count)


def _small(count: int) -> bool:
    return 0 < count < SMALL


def suppress(
    rows: list[str],
    columns: list[str],
    cells: dict[tuple[str, str], int],
    row_totals: dict[str, int],
    column_totals: dict[str, int],
    total: int,
    *,
    crossed: bool,
) -> Withheld:
    """The positions withheld, and why. `crossed`: a table of two dimensions, whose row and
    column totals are shown. A table of one has the one column [""] (its cells are then its
    row totals); a crossed table may have it too (a column of values not recorded, such as
    age bands where no birth date is), and its totals are withheld all the same."""
    values: dict[Position, int] = {}
    for row in rows:
        for column in columns:
            values[("cell", row, column)] = cells.get((row, column), 0)
        if crossed:
            values[("row", row, "")] = row_totals.get(row, 0)
    if crossed:
        for column in columns:
            values[("column", "", column)] = column_totals.get(column, 0)
    values[("total", "", "")] = total
    withheld = Withheld({position: PRIMARY for position, count in values.items() if _small(count)})

    # Each group: its parts and the position of its total.
    groups: list[tuple[list[Position], Position]] = []
    for row in rows:
        parts: list[Position] = [("cell", row, column) for column in columns]
        groups.append((parts, ("row", row, "") if crossed else ("total", "", "")))
    if crossed:
        for column in columns:
            groups.append(([("cell", row, column) for row in rows], ("column", "", column)))
        groups.append(([("row", row, "") for row in rows], ("total", "", "")))
        groups.append(([("column", "", column) for column in columns], ("total", "", "")))
    else:
        groups = [([("cell", row, "") for row in rows], ("total", "", ""))]

    changed = True
    while changed:
        changed = False
        for parts, sum_position in groups:
            hidden = [part for part in parts if part in withheld.why]
            if len(hidden) != 1 or sum_position in withheld.why:
                continue
            others = sorted(
                (values[part], part)
                for part in parts
                if part not in withheld.why and values[part] > 0
            )
            target = others[0][1] if others else sum_position
            withheld.why[target] = SECONDARY
            changed = True
    return withheld
