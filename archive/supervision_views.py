"""The supervision group's workplace: compliance dashboard, drill-down, audit history, and
the notice-board print view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import segno
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from disclosure import selectors as item_selectors
from disclosure.models import Obligation, State
from disclosure.visibility import public_q, visible_items
from portal.dates import datetime_text
from portal.http import AuthedRequest
from portal.models import Organization, User
from portal.pagination import paginate
from portal.routing import Routes
from portal.spreadsheets import csv_bytes, spreadsheet_response
from portal.widgets import DateInput

from . import supervision

routes = Routes()


def _some(orgs):
    """The organizations a supervision page is about; none at all answers 404."""
    if not orgs.exists():
        raise Http404
    return orgs


@routes("supervision/")
@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    orgs = supervision.overseen_organizations(request.user)
    rows = supervision.compliance(orgs)
    if not rows:
        raise Http404
    trend = supervision.monthly_trend(orgs)
    if request.GET.get("format") == "csv":
        return _dashboard_csv(rows)
    page = paginate(request, rows, DASHBOARD_ROWS)
    return render(request, "archive/dashboard.html", {
        "rows": rows, "page": page, "trend": trend, "columns": COLUMNS,
        "table": [(row, [(column, column.value(row)) for column in COLUMNS])
                  for row in page.object_list],
        "trend_points": supervision.trend_points(trend),
        "footer": [sum(column.value(r) for r in rows) if column.total else None
                   for column in COLUMNS],
    })


DASHBOARD_ROWS = 50  # organizations per page; the totals and the CSV cover all of them


@dataclass(frozen=True)
class Column:
    """One column of the compliance table, on the page and in its CSV alike: its heading,
    the row's attribute it shows, and how the page shows it (``kind``: a drill-down to the
    obligations in ``state``, a rate with its bar, a percentage, a count)."""

    key: str
    label: Any
    kind: str = "count"
    state: str = ""
    total: bool = False  # summed in the footer
    warn: bool = False  # marked when not zero

    def value(self, row: supervision.Row):
        if self.key == "code":
            return row.organization.code
        if self.key == "organization":
            return row.organization.name
        return getattr(row, self.key)


COLUMNS = (
    Column("code", gettext_lazy("Code"), "code"),
    Column("organization", gettext_lazy("Organization"), "organization"),
    Column("on_time_rate", gettext_lazy("On-time rate (%)"), "rate"),
    Column("due", gettext_lazy("Due"), "obligations", total=True),
    Column("on_time", gettext_lazy("Fulfilled on time"), "obligations", "on_time", True),
    Column("late", gettext_lazy("Fulfilled late"), "obligations", "late", True),
    Column("overdue", gettext_lazy("Overdue"), "obligations", "overdue", True, warn=True),
    Column("open", gettext_lazy("Open"), "obligations", "open", True),
    Column("filed", gettext_lazy("Filed as not disclosable"), total=True),
    Column("feedback_open", gettext_lazy("Open feedback")),
    Column("feedback_days", gettext_lazy("Feedback answered in (days)")),
    Column("request_days", gettext_lazy("Requests answered in (days)")),
    Column("rectifications_open", gettext_lazy("Open rectification orders"), warn=True),
    Column("satisfaction", gettext_lazy("Satisfaction (latest evaluation, %)"), "percent"),
    Column("ledger_missing", gettext_lazy("Offline ledger: not recorded"), "ledger",
           total=True, warn=True),
)


def _dashboard_csv(rows) -> HttpResponse:
    """The table as on the page (every organization, not one page of them): the same
    columns in the same order, rates and averages as plain numbers."""
    body = csv_bytes([str(column.label) for column in COLUMNS],
                     ([_csv_value(column.value(row)) for column in COLUMNS] for row in rows))
    return spreadsheet_response(body, "compliance", "csv")


def _csv_value(value):
    return "" if value is None else value


@routes("supervision/obligations/")
@login_required
def obligations(request: AuthedRequest) -> HttpResponse:
    """Drill down from the dashboard: one organization's obligations, optionally by state."""
    orgs = _some(supervision.overseen_organizations(request.user))
    org = get_object_or_404(orgs, code=request.GET.get("org", ""))
    rows = Obligation.objects.filter(organization=org).select_related(
        "entry", "draft", "fulfilled_by").order_by("-due_date")
    state = request.GET.get("state", "")
    if state in Obligation.State.values:
        rows = rows.filter(state=state)
    # Links only to the items this person may open.
    ids = set(visible_items(request.user).filter(organization=org).values_list("pk", flat=True))
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "archive/obligations.html", {
        "org": org, "page": page, "chosen": state, "visible_ids": ids,
        "states": Obligation.State.choices,
    })


KIND_LABELS = {
    "item": gettext_lazy("Disclosure items"), "obligation": gettext_lazy("Obligations"),
    "membership": gettext_lazy("Memberships"), "organization": gettext_lazy("Organizations"),
}


class HistoryFilter(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of record"),
                             choices=list(KIND_LABELS.items()), required=False)
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Organization"), required=False, to_field_name="code",
        queryset=Organization.objects.none(), empty_label=gettext_lazy("All organizations"))
    user = forms.CharField(label=gettext_lazy("User name"), required=False, max_length=150)
    date_from = forms.DateField(label=gettext_lazy("From"), required=False,
                                widget=DateInput())
    date_to = forms.DateField(label=gettext_lazy("Until"), required=False,
                              widget=DateInput())

    def __init__(self, *args, orgs=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = orgs


@routes("supervision/history/")
@login_required
def history(request: AuthedRequest) -> HttpResponse:
    orgs = _some(supervision.supervised_organizations(request.user))
    form = HistoryFilter(request.GET or None, orgs=orgs)
    data = form.cleaned_data if form.is_valid() else {}
    kind = data.get("kind") or "item"
    rows = supervision.history_rows(request.user, kind)
    _model, org_field = supervision.HISTORY_KINDS[kind]
    if org := data.get("organization"):
        rows = rows.filter(**{f"{org_field}__in": orgs.filter(
            path__startswith=org.path).values("pk")})
    if username := data.get("user"):
        rows = rows.filter(history_user__username=username)
    if start := data.get("date_from"):
        rows = rows.filter(history_date__date__gte=start)
    if end := data.get("date_to"):
        rows = rows.filter(history_date__date__lte=end)
    page = paginate(request, rows, 40)
    return render(request, "archive/history.html", {
        "form": form, "page": page, "kind": kind, "kind_label": KIND_LABELS[kind],
    })


@routes("supervision/history/<slug:kind>/<int:pk>/")
@login_required
def history_timeline(request: AuthedRequest, kind: str, pk: int) -> HttpResponse:
    """Every version of one record, with what changed field by field."""
    if kind not in supervision.HISTORY_KINDS:
        raise Http404
    versions = list(supervision.history_rows(request.user, kind).filter(id=pk)
                    .order_by("history_date", "history_id"))
    if not versions:
        raise Http404
    model = supervision.HISTORY_KINDS[kind][0]
    steps = []
    for previous, version in zip([None, *versions], versions, strict=False):
        changes = []
        if previous is not None:
            delta = version.diff_against(previous)
            changes = [(_field_label(model, c.field), _shown(model, c.field, c.old),
                        _shown(model, c.field, c.new)) for c in delta.changes]
        steps.append((version, changes))
    steps.reverse()
    return render(request, "archive/history_timeline.html", {
        "steps": steps, "kind": kind, "kind_label": KIND_LABELS[kind],
        "title": str(versions[-1].instance), "org_name": versions[-1].org_name,
    })


def _field_label(model, name: str) -> str:
    try:
        return str(model._meta.get_field(name).verbose_name)
    except Exception:  # noqa: BLE001 - an unknown field shows its name
        return name


def _shown(model, name: str, value):
    """Show a value as people read it: local time, and the label of a choice."""
    if isinstance(value, dt.datetime):
        return datetime_text(value)
    try:
        choices = dict(model._meta.get_field(name).flatchoices)
    except Exception:  # noqa: BLE001
        choices = {}
    return choices.get(value, value)


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=3, border=1)


@routes("orgs/<str:code>/notice-board/")
def notice_board(request: HttpRequest, code: str) -> HttpResponse:
    """An A4 page for the organization's notice board (公开栏): its current items released
    to society, and for its readers also everything else of the organization they may
    read (intra-party, the unit's own), each with a QR code to the item."""
    org = get_object_or_404(Organization, code=code, is_active=True)
    items = (item_selectors.browse_items(request.user).filter(organization=org)
             .filter(state__in=[State.INTERNAL, State.PUBLIC]))
    may_internal = isinstance(request.user, User) and visible_items(request.user).filter(
        organization=org, state__in=[State.INTERNAL, State.PUBLIC]).exclude(
        public_q()).exists()
    internal = request.GET.get("scope") == "internal" and may_internal
    # The default board is the one facing the street: items released to society only (an
    # item for the unit's own people or the party goes on the party's board).
    items = items if internal else items.filter(public_q(), state=State.PUBLIC)
    rows = []
    for item in items[:30]:
        url = request.build_absolute_uri(reverse("disclosure:item_detail", args=[item.pk]))
        rows.append((item, mark_safe(qr_svg(url))))  # noqa: S308 - SVG made by segno
    return render(request, "archive/notice_board.html", {
        "org": org, "rows": rows, "internal": internal, "may_internal": may_internal,
    })
