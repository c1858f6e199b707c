"""The rollout page: which units have started disclosing by their type's date."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.http import AuthedRequest
from portal.models import Organization
from portal.pagination import paginate
from portal.routing import Routes
from portal.spreadsheets import csv_bytes, spreadsheet_response

from . import rollout as rollout_service

routes = Routes()
ROWS_PER_PAGE = 50


class RolloutFilter(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type"), required=False,
        choices=[("", gettext_lazy("All types")), *Organization.Kind.choices])
    late = forms.BooleanField(label=gettext_lazy("Late only"), required=False)


@routes("supervision/rollout/")
@login_required
def rollout(request: AuthedRequest) -> HttpResponse:
    orgs = rollout_service.rollout_organizations(request.user)
    if not orgs.exists():
        raise Http404
    form = RolloutFilter(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    if kind := data.get("kind"):
        orgs = orgs.filter(kind=kind)
    today = timezone.localdate()
    rows = rollout_service.rollout(orgs, today)
    late_count = sum(row.late for row in rows)
    if data.get("late"):
        rows = [row for row in rows if row.late]
    if request.GET.get("format") == "csv":
        return _csv(rows)
    return render(request, "archive/rollout.html", {
        "form": form, "page": paginate(request, rows, ROWS_PER_PAGE), "today": today,
        "late_count": late_count, "started_count": sum(row.started for row in rows),
    })


def _csv(rows) -> HttpResponse:
    header = [_("Code"), _("Organization"), _("Type"), _("Start by"),
              _("First disclosure within the party"), _("Catalog in force"), _("State")]
    body = csv_bytes(header, ([
        r.organization.code, r.organization.name, r.organization.get_kind_display(),
        r.start_by.isoformat() if r.start_by else "",
        timezone.localdate(r.first_disclosure).isoformat() if r.first_disclosure else "",
        _("yes") if r.catalog_in_force else _("no"), r.status_label,
    ] for r in rows))
    return spreadsheet_response(body, "rollout", "csv")
