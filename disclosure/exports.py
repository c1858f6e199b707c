"""Item lists as CSV and Excel: the rows the user's list shows, nothing more."""

from __future__ import annotations

import csv
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from .models import DisclosureItem

MAX_ROWS = 10_000


def _header() -> list[str]:
    return [_("ID"), _("Title"), _("Organization"), _("Category"), _("Time limit"),
            _("Scope"), _("Status"), _("Published within the party"),
            _("Published to the public")]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(item: DisclosureItem) -> list:
    return [item.pk, item.title, item.organization.name, str(item.get_category_display()),
            str(item.get_time_limit_display()), str(item.get_scope_display()),
            str(item.get_status_display()), _when(item.internal_at), _when(item.public_at)]


def _safe(value):
    """Neutralise spreadsheet formulas in text cells (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def as_csv(items, filename: str) -> HttpResponse:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # Excel opens UTF-8 Chinese text correctly with a BOM
    writer = csv.writer(buffer)
    writer.writerow(_header())
    for item in items[:MAX_ROWS]:
        writer.writerow([_safe(v) for v in _row(item)])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def as_xlsx(items, filename: str) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Disclosures")[:31]
    sheet.append(_header())
    for item in items[:MAX_ROWS]:
        sheet.append([_safe(v) for v in _row(item)])
    sheet.freeze_panes = "A2"
    for column, width in zip("ABCDEFGHI", (8, 48, 24, 24, 12, 16, 16, 18, 18), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
