"""Read an XLSX register as a person sees it, within bounds checked before anything is inflated.

Bounds (:class:`ReadLimits`, from the ``IMPORT_MAX_*`` settings)
    The zip's central directory is read first (no member is inflated): the number of members,
    the sum of their declared uncompressed sizes and each large member's compression ratio must
    stay within bounds, else ``RegisterTooLarge`` (413) at once: a 1 MB sheet that inflates to
    220 MB is refused in milliseconds. Python's ``zipfile`` never inflates a member past its declared
    size, so a lying directory cannot get more through. Rows and columns are counted while the
    sheet streams, and a time budget is checked every few rows.

Values
    Each cell is read as the spreadsheet shows it: a formula cell gives the value the spreadsheet
    saved with it (openpyxl ``data_only=True``: ``=UPPER("ndiaye")`` → ``NDIAYE``, ``="06"&"12…"``
    → ``0612…``). A formula with no saved value (a file written by a program that does not compute
    formulas) cannot be read as shown: the cell keeps the formula text and its row is refused with
    that reason. The workbook is opened twice in openpyxl's streaming read-only mode, once for the
    formulas and once for the saved values, and both are walked together.

Sources: openpyxl read-only mode and ``data_only``
(https://openpyxl.readthedocs.io/en/stable/optimized.html), ECMA-376 Part 1 §18.3.1.40 (a cell's
``<f>`` formula and ``<v>`` cached value), PKWARE APPNOTE §4.3.12 (central directory).
"""

from __future__ import annotations

import datetime as dt
import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.core.i18n import number, size
from app.imports.errors import RegisterTooLarge, UnreadableRegister, UnsupportedRegisterFormat

RATIO_CHECK_FROM = 1 << 20  # small members (styles, themes) may compress far better than data


@dataclass(frozen=True)
class ReadLimits:
    """Bounds of one register read: rows, columns, inflated bytes, ratio, zip members, seconds."""

    max_rows: int = 50_000
    max_columns: int = 200
    max_uncompressed_bytes: int = 100 * 1_048_576
    max_compression_ratio: int = 100
    max_zip_members: int = 1_000
    max_seconds: float = 60.0


class Budget:
    """The time budget of one read: :meth:`check` raises ``RegisterTooLarge`` once it is spent."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.seconds = seconds
        self.deadline = clock() + seconds

    def check(self) -> None:
        if self.clock() >= self.deadline:
            raise over_limit(
                f"reading the file took more than {self.seconds:g} s",
                f"la lecture du fichier a pris plus de {self.seconds:g} s",
                "IMPORT_MAX_PARSE_SECONDS",
            )


def over_limit(why_en: str, why_fr: str, setting: str) -> RegisterTooLarge:
    return RegisterTooLarge(
        f"The register is over an import limit: {why_en} ({setting}).",
        detail_fr=f"Le registre dépasse une limite d'import : {why_fr}.",
        limit=setting,
    )


def check_zip(content: bytes, limits: ReadLimits) -> None:
    """Refuse a zip whose central directory announces too much (members, bytes, ratio).

    Raises ``RegisterTooLarge`` (413) or ``UnsupportedRegisterFormat`` (415, not a zip).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_a_workbook(exc) from exc
    if len(members) > limits.max_zip_members:
        raise over_limit(
            f"the workbook holds {len(members)} parts, more than {limits.max_zip_members}",
            f"le classeur contient {number(len(members))} parties, plus de {number(limits.max_zip_members)}",
            "IMPORT_MAX_ZIP_MEMBERS",
        )
    total = sum(member.file_size for member in members)
    if total > limits.max_uncompressed_bytes:
        raise over_limit(
            f"it inflates to {size(total, 'en')}, more than {size(limits.max_uncompressed_bytes, 'en')}",
            f"il se décompresse en {size(total)}, plus de {size(limits.max_uncompressed_bytes)}",
            "IMPORT_MAX_UNCOMPRESSED_BYTES",
        )
    for member in members:
        if (
            member.file_size >= RATIO_CHECK_FROM
            and member.file_size > member.compress_size * limits.max_compression_ratio
        ):
            ratio = member.file_size // max(member.compress_size, 1)
            raise over_limit(
                f"its part {member.filename!r} inflates {ratio} times, more than {limits.max_compression_ratio}",
                f"sa partie {member.filename!r} se décompresse {ratio} fois, plus de {limits.max_compression_ratio}",
                "IMPORT_MAX_COMPRESSION_RATIO",
            )


def read_workbook(
    content: bytes, limits: ReadLimits, budget: Budget
) -> tuple[list[tuple[int, list[str]]], dict[int, dict[int, str]]]:
    """The first sheet's rows ``(1-based row, cell texts)`` and its formulas without a saved value
    (``row → {column index → formula}``). Call :func:`check_zip` first."""
    from openpyxl import load_workbook  # type: ignore[import-untyped]

    try:
        formulas = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
        values = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _not_a_workbook(exc) from exc
    records: list[tuple[int, list[str]]] = []
    unresolved: dict[int, dict[int, str]] = {}
    width = limits.max_columns + 1
    try:
        shown_rows = values.worksheets[0].iter_rows(max_col=width)
        for index, (formula_row, shown_row) in enumerate(
            zip(formulas.worksheets[0].iter_rows(max_col=width), shown_rows, strict=False), start=1
        ):
            if index % 64 == 0:
                budget.check()
            if index > limits.max_rows + 1:  # the header and max_rows data rows
                raise over_limit(
                    f"more than {limits.max_rows} rows", f"plus de {limits.max_rows} lignes", "IMPORT_MAX_ROWS"
                )
            texts: list[str] = []
            for column, (written, shown) in enumerate(zip(formula_row, shown_row, strict=False)):
                value = getattr(shown, "value", None)
                formula = getattr(written, "value", None)
                if getattr(written, "data_type", None) == "f" and value is None:
                    unresolved.setdefault(index, {})[column] = str(formula)
                    texts.append(str(formula))
                else:
                    texts.append(cell_text(value))
            if len(texts) > limits.max_columns and any(t.strip() for t in texts[limits.max_columns :]):
                raise over_limit(
                    f"more than {limits.max_columns} columns",
                    f"plus de {limits.max_columns} colonnes",
                    "IMPORT_MAX_COLUMNS",
                )
            records.append((index, texts[: limits.max_columns]))
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableRegister(
            f"The file cannot be read as a register: the workbook's first sheet is damaged ({type(exc).__name__}).",
            detail_fr="Le fichier ne peut pas être lu comme un registre : la première feuille du classeur est "
            f"endommagée ({type(exc).__name__}).",
        ) from exc
    finally:
        formulas.close()
        values.close()
    return records, unresolved


SHEETS_LOOKED_AT = 20
"""Sheets of a workbook whose first lines :func:`sheet_heads` reads (a workbook may hold hundreds)."""


def sheet_heads(content: bytes, lines: int, budget: Budget) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """Each sheet's title and its first ``lines`` rows ``(1-based row, cell texts as shown)``, in
    the workbook's order, for the first :data:`SHEETS_LOOKED_AT` sheets (at most 200 columns a
    row): to say what a workbook holds when its first sheet is no register. Call
    :func:`check_zip` first; raises what :func:`read_workbook` raises for a damaged workbook."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _not_a_workbook(exc) from exc
    heads: list[tuple[str, list[tuple[int, list[str]]]]] = []
    try:
        for sheet in book.worksheets[:SHEETS_LOOKED_AT]:
            budget.check()
            rows = sheet.iter_rows(max_row=lines, max_col=ReadLimits.max_columns)
            heads.append(
                (
                    str(sheet.title),
                    [(i, [cell_text(getattr(c, "value", None)) for c in row]) for i, row in enumerate(rows, start=1)],
                )
            )
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise UnreadableRegister(
            f"The file cannot be read as a register: a sheet of the workbook is damaged ({type(exc).__name__}).",
            detail_fr="Le fichier ne peut pas être lu comme un registre : une feuille du classeur est "
            f"endommagée ({type(exc).__name__}).",
        ) from exc
    finally:
        book.close()
    return heads


def cell_text(value: Any) -> str:
    """A workbook cell as text: dates as ``dd/mm/yyyy`` (as a French sheet shows them), integral
    numbers without ``.0`` (a phone typed as a number), booleans and text as written."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _not_a_workbook(exc: Exception) -> UnsupportedRegisterFormat:
    return UnsupportedRegisterFormat(
        f"The file starts like a zip but is not a readable XLSX workbook ({type(exc).__name__}).",
        detail_fr=f"Le fichier commence comme un zip mais n'est pas un classeur XLSX lisible ({type(exc).__name__}).",
    )
