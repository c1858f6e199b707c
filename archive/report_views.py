"""Pages of year-end reports: the list, the generate form, the report with its figures,
the prose form, the steps (regenerate, file) and the downloads."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import workflow
from portal.downloads import protected_download
from portal.http import AuthedRequest, attempt, form_page, record_page
from portal.idempotency import once
from portal.pagination import paginate
from portal.permissions import load_for
from portal.roles import user_organizations
from portal.routing import Routes

from . import permissions, report_services
from .forms import ReportEditForm, ReportFilterForm, ReportGenerateForm
from .models import ReportFile, YearReport
from .report_document import figure_rows

routes = Routes()


@routes("reports/")
@login_required
def report_list(request: AuthedRequest) -> HttpResponse:
    form = ReportFilterForm(request.GET or None)
    reports = permissions.visible_reports(request.user)
    if form.is_valid():
        if org := form.cleaned_data["organization"]:
            reports = reports.filter(organization=org)
        if year := form.cleaned_data["year"]:
            reports = reports.filter(year=year)
    reports = reports.select_related("organization").order_by("-year", "organization__path")
    return render(request, "archive/report_list.html", {
        "form": form, "page": paginate(request, reports, 30),
        "may_generate": bool(user_organizations(request.user, "publish"))})


@routes("reports/new/")
@login_required
@once
def report_new(request: AuthedRequest) -> HttpResponse:
    organizations = user_organizations(request.user, "publish")
    if not organizations:
        raise Http404
    form = ReportGenerateForm(request.POST or None, organizations=organizations)
    return form_page(request, "archive/report_new.html", form,
                     lambda data: report_services.report_generate(
                         organization=data["organization"], year=data["year"],
                         actor=request.user),
                     success=_("Report generated. Check and edit its prose, then file it."))


def _events(user, report: YearReport) -> list[tuple]:
    """The report's history: when, what (as the table names it) and who."""
    labels = {"generate": _("Generated"),
              **{action: step.label for action, step in YearReport.workflow.steps.items()}}
    return [(event.created_at, labels.get(event.action, event.action), event.actor)
            for event in workflow.events_of(report)]


@routes("reports/<int:pk>/")
@login_required
def report_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, YearReport, pk, "archive/report_detail.html", "report",
                       rows=lambda user, report: figure_rows(report.figures),
                       files=lambda user, report: {f.kind: f for f in report.files.all()},
                       events=_events)


@routes("reports/<int:pk>/edit/")
@login_required
def report_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    report = load_for(request.user, YearReport, pk=pk)
    if not workflow.allowed(request.user, report, "edit"):
        if workflow.has_right(request.user, report, "edit"):
            return redirect(report)  # filed: the page says so
        raise Http404
    initial = {name: getattr(report, name) for name in YearReport.SECTIONS}
    form = ReportEditForm(request.POST or None, initial=initial)
    return form_page(request, "archive/report_edit.html", form,
                     lambda data: report_services.report_edit(report_id=pk, actor=request.user,
                                                              **data),
                     success=_("Saved; the documents were generated anew."), report=report)


@routes("reports/<int:pk>/<report_step:action>/")
@login_required
@require_POST
def report_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    report = load_for(request.user, YearReport, pk=pk)
    calls = {
        "refresh": (lambda: report_services.report_refresh(report_id=pk, actor=request.user),
                    _("The figures were taken anew and the documents generated again.")),
        "file": (lambda: report_services.report_file(report_id=pk, actor=request.user),
                 _("The report was filed in the archive.")),
    }
    call, success = calls[action]
    attempt(request, call, success=success)
    return redirect(report)


@routes("reports/<int:pk>/download.<report_format:kind>")
@login_required
def report_download(request: AuthedRequest, pk: int, kind: str) -> FileResponse:
    return protected_download(load_for(request.user, ReportFile, report_id=pk, kind=kind))
