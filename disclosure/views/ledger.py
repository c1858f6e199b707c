"""Pages of the offline ledger (公开台账): an organization's ledger with its filters and
exports, a record's page with its evidence, and the forms that record an offline act of an
item or an obligation."""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.downloads import protected_download
from portal.http import AuthedRequest, form_page, record_page, submit
from portal.models import Organization
from portal.pagination import paginate
from portal.permissions import load_for
from portal.routing import Routes
from portal.spreadsheets import spreadsheet_response
from portal.workflow import available_actions

from .. import ledger_exports, permissions, services
from ..forms import EvidenceForm, LedgerFilterForm, LedgerRecordForm, TakeDownForm, VoidForm
from ..ledger import ledger_years
from ..models import (
    OFFLINE_CARRIERS,
    DisclosureItem,
    LedgerEvidence,
    LedgerRecord,
    Obligation,
    offline_carriers,
)

routes = Routes()


def _ledger_org(request: AuthedRequest, code: str) -> Organization:
    org = get_object_or_404(Organization, code=code)
    if not permissions.may_read_ledger(request.user, org):
        raise Http404
    return org


def _filtered(request: AuthedRequest, org: Organization):
    records = permissions.visible_ledger(request.user).filter(organization=org)
    items = list(DisclosureItem.objects.filter(pk__in=records.values("item_id"))
                 .order_by("-pk").values_list("pk", "title")[:200])
    form = LedgerFilterForm(request.GET or None, years=ledger_years(records), items=items)
    if form.is_valid():
        data = form.cleaned_data
        if data["year"]:
            records = records.filter(date__year=data["year"])
        if data["carrier"]:
            records = records.filter(carrier=data["carrier"])
        if data["item"]:
            records = records.filter(item_id=data["item"])
    return form, records


@routes("orgs/<str:code>/ledger/")
@login_required
def ledger_list(request: AuthedRequest, code: str) -> HttpResponse:
    org = _ledger_org(request, code)
    form, records = _filtered(request, org)
    records = (records.select_related("item", "obligation__entry", "recorded_by")
               .prefetch_related("evidence").order_by("-date", "-pk"))
    year = (form.cleaned_data.get("year") if form.is_valid() else None) or (
        timezone.localdate().year)
    return render(request, "disclosure/ledger_list.html", {
        "org": org, "form": form, "page": paginate(request, records, 30), "year": year,
        "can_record": permissions.can_record(request.user, org)})


@routes("orgs/<str:code>/ledger/export.<ledger_format:fmt>")
@login_required
def ledger_export(request: AuthedRequest, code: str, fmt: str) -> HttpResponse:
    """The organization's ledger of one year (``?year=``, this year by default), as Excel
    or as a ZIP with the evidence and a checksum manifest: only the records the reader may
    see."""
    org = _ledger_org(request, code)
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError as error:
        raise Http404 from error
    if not 2000 <= year <= 9999:  # no ledger before the portal; dates end at 9999
        raise Http404
    records = (permissions.visible_ledger(request.user)
               .filter(organization=org, date__year=year)
               .select_related("item", "obligation__entry", "recorded_by")
               .order_by("date", "pk"))
    name = f"ledger-{org.code}-{year}"
    if fmt == "xlsx":
        return spreadsheet_response(ledger_exports.ledger_xlsx(records), name, fmt)
    return spreadsheet_response(ledger_exports.ledger_zip(records, org, year), name, fmt)


def _record_form(request: AuthedRequest, org: Organization, entry, *, item=None,
                 obligation=None) -> HttpResponse:
    if not permissions.can_record(request.user, org):
        raise Http404
    carriers = offline_carriers(entry.carriers) or [str(c) for c in OFFLINE_CARRIERS]
    form = LedgerRecordForm(request.POST or None, request.FILES or None, carriers=carriers)
    return form_page(
        request, "disclosure/ledger_form.html", form,
        lambda data: services.ledger_record(
            organization=org, actor=request.user, item=item, obligation=obligation,
            carrier=data["carrier"], uploads=data["evidence"], note=data["note"],
            **{k: data[k] for k in ("date", "board", "until", "meeting_kind", "meeting_name",
                                    "attendance", "minutes", "document_number")}),
        success=_("Recorded in the ledger."), org=org, entry=entry, item=item,
        obligation=obligation)


@routes("items/<int:pk>/record/")
@login_required
def record_item(request: AuthedRequest, pk: int) -> HttpResponse:
    item = load_for(request.user, DisclosureItem, pk=pk)
    return _record_form(request, item.organization, item.entry, item=item)


@routes("obligations/<int:pk>/record/")
@login_required
def record_obligation(request: AuthedRequest, pk: int) -> HttpResponse:
    obligation = load_for(request.user, Obligation, pk=pk)
    return _record_form(request, obligation.organization, obligation.entry,
                        obligation=obligation)


def _forms(user, record: LedgerRecord) -> dict:
    actions = available_actions(user, record)
    return {"take_down_form": TakeDownForm() if "take_down" in actions else None,
            "evidence_form": EvidenceForm() if "add_evidence" in actions else None,
            "void_form": VoidForm() if "void" in actions else None}


@routes("ledger/<int:pk>/")
@login_required
def ledger_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, LedgerRecord, pk, "disclosure/ledger_detail.html", "record",
                       evidence=lambda user, r: list(r.evidence.all()),
                       forms=_forms)


def _ledger_done(step: str) -> str:
    if step == "take-down":
        return _("The take-down date is recorded.")
    if step == "evidence":
        return _("The evidence is attached to the record.")
    return _("The record is voided; it stays in the ledger with your reason.")


@routes("ledger/<int:pk>/<ledger_step:step>/")
@login_required
@require_POST
def ledger_step(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    record = load_for(request.user, LedgerRecord, pk=pk)
    form: forms.Form
    if step == "take-down":
        form = TakeDownForm(request.POST)
        call = lambda data: services.ledger_take_down(  # noqa: E731
            record_id=record.pk, actor=request.user, until=data["until"])
    elif step == "evidence":
        form = EvidenceForm(request.POST, request.FILES)
        call = lambda data: services.ledger_add_evidence(  # noqa: E731
            record_id=record.pk, actor=request.user, uploads=data["evidence"])
    else:
        form = VoidForm(request.POST)
        call = lambda data: services.ledger_void(  # noqa: E731
            record_id=record.pk, actor=request.user, reason=data["reason"])
    if submit(request, form, call, success=_ledger_done(step)).ok:
        return redirect(record)
    record = load_for(request.user, LedgerRecord, pk=pk)
    forms = _forms(request.user, record)
    forms[{"take-down": "take_down_form", "evidence": "evidence_form",
           "void": "void_form"}[step]] = form
    return render(request, "disclosure/ledger_detail.html", {
        "record": record, "actions": available_actions(request.user, record),
        "evidence": list(record.evidence.all()), "forms": forms}, status=400)


@routes("ledger/evidence/<int:pk>/")
@login_required
def ledger_evidence(request: AuthedRequest, pk: int) -> FileResponse:
    return protected_download(load_for(request.user, LedgerEvidence, pk=pk))



