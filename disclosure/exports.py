"""Item lists as CSV and Excel: the rows the user's list shows, nothing more."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.spreadsheets import csv_bytes, spreadsheet_response, xlsx_bytes

from .models import DisclosureItem

MAX_ROWS = 10_000


def _header() -> list[str]:
    return [_("ID"), _("Title"), _("Organization"), _("Category"), _("Duration and frequency"),
            _("Audience"), _("Status"), _("Published within the party"),
            _("Published to the public")]


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _row(item: DisclosureItem) -> list:
    return [item.pk, item.title, item.organization.name, str(item.get_category_display()),
            item.time_label(), item.audience_label(),
            str(item.get_state_display()), _when(item.internal_at), _when(item.public_at)]


def _rows(items):
    """The exported rows, with the organizations a named range lists read in one query."""
    return items.prefetch_related("range_organizations")[:MAX_ROWS]


def as_csv(items, filename: str) -> HttpResponse:
    body = csv_bytes(_header(), (_row(item) for item in _rows(items)))
    return spreadsheet_response(body, filename, "csv")


def as_xlsx(items, filename: str) -> HttpResponse:
    body = xlsx_bytes(_("Disclosures"), _header(), (_row(item) for item in _rows(items)),
                      widths=(8, 48, 24, 24, 12, 16, 16, 18, 18))
    return spreadsheet_response(body, filename, "xlsx")
