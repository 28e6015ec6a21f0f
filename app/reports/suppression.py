"""Small-cell suppression of aggregate tables, with secondary suppression so totals leak nothing.

Rule (applied to every aggregate the reports return):

1. **Primary**: a count ``0 < n < threshold`` is suppressed (shown as ``null``). Zero is shown: it
   states that nobody is in the cell, which the threshold is not meant to hide.
2. The table is considered *with its margins* (row totals, column totals, grand total) — they are
   cells like the others and are suppressed when small too.
3. **Secondary**: while some line (a row, including its total, or a column, including its total)
   holds exactly one suppressed cell, the smallest other visible cell of that line is suppressed
   too (preferring inner cells to totals and non-zero cells to zeros), because the total minus the
   visible cells would otherwise give the suppressed value back. Repeated until no line has exactly
   one suppressed cell.

After this, no suppressed value equals a sum or difference of visible values along a line. (It is
the classic "at least two per line" heuristic; it does not compute the narrowest interval an
attacker could derive by linear programming, which for counts this small stays uninformative.)
Each table is suppressed on its own: two reports whose figures overlap (nested periods, a desk and
all desks) can give a hidden cell away by difference (docs/reports.md, "Small cells").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class SuppressedTable:
    """A table after suppression: ``None`` marks a suppressed value."""

    values: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


def _primary(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def suppress_table(values: Sequence[Sequence[int]], threshold: int) -> SuppressedTable:
    """Suppress a ``rows × columns`` table of counts and its margins (see the module's rule).

    ``values`` must be rectangular; an empty table gives empty margins and a total of 0.
    """
    rows = len(values)
    cols = len(values[0]) if rows else 0
    # The augmented grid: inner cells, then the totals column (index cols) and row (index rows).
    grid = [[*list(r), sum(r)] for r in values]
    grid.append([sum(values[i][j] for i in range(rows)) for j in range(cols)] + [sum(sum(r) for r in values)])
    hidden = [[_primary(v, threshold) for v in row] for row in grid]

    def lines() -> list[list[tuple[int, int]]]:
        out = [[(i, j) for j in range(cols + 1)] for i in range(rows + 1)]
        out += [[(i, j) for i in range(rows + 1)] for j in range(cols + 1)]
        return out

    def cost(cell: tuple[int, int]) -> tuple[int, int, int, int, int]:
        i, j = cell
        is_margin = int(i == rows or j == cols)
        value = grid[i][j]
        return (is_margin, int(value == 0), value, i, j)

    changed = True
    while changed:
        changed = False
        for line in lines():
            if len(line) < 2:
                continue
            suppressed = [c for c in line if hidden[c[0]][c[1]]]
            if len(suppressed) != 1:
                continue
            candidates = [c for c in line if not hidden[c[0]][c[1]]]
            if not candidates:
                continue
            i, j = min(candidates, key=cost)
            hidden[i][j] = True
            changed = True

    def shown(i: int, j: int) -> int | None:
        return None if hidden[i][j] else grid[i][j]

    return SuppressedTable(
        values=[[shown(i, j) for j in range(cols)] for i in range(rows)],
        row_totals=[shown(i, cols) for i in range(rows)],
        column_totals=[shown(rows, j) for j in range(cols)],
        total=shown(rows, cols),
    )


def suppress_list(values: Sequence[int], threshold: int) -> tuple[list[int | None], int | None]:
    """Suppress a one-dimensional breakdown and its total: one line, the same rule.

    Returns ``(values, total)`` with ``None`` for suppressed entries.
    """
    line = [*list(values), sum(values)]
    hidden = [_primary(v, threshold) for v in line]
    if sum(hidden) == 1:
        candidates = [k for k in range(len(line)) if not hidden[k]]
        if candidates:
            last = len(line) - 1
            k = min(candidates, key=lambda k: (int(k == last), int(line[k] == 0), line[k], k))
            hidden[k] = True
    shown = [None if h else v for v, h in zip(line, hidden, strict=True)]
    return shown[:-1], shown[-1]
