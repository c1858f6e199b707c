"""The one spreadsheet writer: every CSV and Excel export goes through here, so that every
one of them neutralises formulas.

Titles, organization names and file names come from users and from imported files. A cell
that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a
formula to Excel and LibreOffice: ``=HYPERLINK(...)`` becomes a live link, ``=cmd|...`` a
DDE call. ``safe_cell`` puts an apostrophe in front of such text, so that it is shown as
typed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

# Full-width forms too: an input method may type them, and some spreadsheets read them alike.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    # The archive register's ZIP (records, files and a manifest.csv) leaves the same way.
    "zip": "application/zip",
}


def safe_cell(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; anything
    else (numbers, dates, None, other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(value) for value in row]


def csv_bytes(header: Sequence[Any], rows: Iterable[Iterable[Any]], *,
              bom: bool = True) -> bytes:
    """The rows as CSV in UTF-8. With ``bom`` (the default) the text starts with a byte
    order mark, without which Excel reads Chinese text as mojibake."""
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(_safe_row(header))
    for row in rows:
        writer.writerow(_safe_row(row))
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(sheet_title: str, header: Sequence[Any], rows: Iterable[Iterable[Any]],
               widths: Sequence[float] | None = None) -> bytes:
    """One worksheet with a frozen header row; ``widths`` sets the first columns' widths."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has its first sheet
    sheet.title = sheet_title[:31]  # Excel's limit
    for row in [header, *rows]:
        sheet.append(_safe_row(row))
        for cell in sheet[sheet.max_row]:
            # openpyxl stores any text starting with "=" as a formula. safe_cell leaves no
            # such text, and this makes sure that no text cell is ever written as one.
            if cell.data_type == "f":
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or (), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def spreadsheet_response(body: bytes, filename: str, fmt: str) -> HttpResponse:
    """``body`` as a download named ``filename.fmt``, with the format's content type."""
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{filename}.{fmt}")
    return response
