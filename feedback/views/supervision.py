"""Pages of the supervision group (监督小组), its inspections and rectification evidence."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.downloads import protected_download
from portal.http import AuthedRequest, attempt, flash_errors, form_page, record_page, submit
from portal.idempotency import once
from portal.models import Organization
from portal.pagination import paginate
from portal.permissions import load_for
from portal.routing import Routes
from portal.urlconverters import register_words

from .. import services
from ..forms_supervision import (
    EvidenceForm,
    FindingForm,
    GroupForm,
    InspectionPlanForm,
    InspectionRecordForm,
    OpenOrderForm,
    RelativeForm,
    SeatEndForm,
    SeatForm,
)
from ..models import RectificationOrder
from ..models_supervision import (
    InspectionPlan,
    InspectionRecord,
    RectificationEvidence,
    SupervisionGroup,
)
from ..permissions_supervision import (
    can_view_group,
    may_declare,
    may_manage_group,
    sits_in,
    visible_declarations,
    visible_groups,
    visible_plans,
    visible_records,
)

register_words("plan_step", "complete", "cancel")

routes = Routes()


def _org_param(request) -> Organization | None:
    code = request.GET.get("org")
    return get_object_or_404(Organization, code=code, is_active=True) if code else None


@routes("supervision-groups/")
@login_required
def group_list(request: AuthedRequest) -> HttpResponse:
    """The groups the user may see; with ``?org=`` the organization's groups (404 for an
    organization whose groups the user may not follow, rather than an empty page)."""
    org = _org_param(request)
    if org is not None and not can_view_group(request.user, SupervisionGroup(organization=org)):
        raise Http404
    rows = visible_groups(request.user).select_related("organization")
    if org is not None:
        rows = rows.filter(organization=org)
        current = rows.order_by("-term_start").first()
        if current is not None and not request.GET.get("all"):
            return redirect(current)
    return render(request, "feedback/group_list.html", {
        "page": paginate(request, rows), "org": org,
        "may_manage": org is not None and may_manage_group(request.user, org)})


@routes("supervision-groups/new/")
@login_required
@once
def group_new(request: AuthedRequest) -> HttpResponse:
    org = _org_param(request)
    if org is None or not may_manage_group(request.user, org):
        raise Http404
    return form_page(request, "feedback/group_new.html", GroupForm(request.POST or None),
                     lambda data: services.supervision_group_elect(
                         organization=org, actor=request.user, **data),
                     success=_("The supervision group is recorded."), org=org)


def _group_context(user, group: SupervisionGroup) -> dict:
    seats = list(group.seats.select_related("user", "replaces__user"))
    return {"current": [s for s in seats if s.is_current()],
            "seats": seats,
            "may_manage": may_manage_group(user, group.organization),
            "sits": sits_in(user, group),
            "plans": group.plans.select_related("organization")[:5],
            "records": visible_records(user).filter(group=group)[:5]}


@routes("supervision-groups/<int:pk>/")
@login_required
def group_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    group = load_for(request.user, SupervisionGroup, pk=pk)
    return render(request, "feedback/group_detail.html", {
        "group": group, "end_form": SeatEndForm(), **_group_context(request.user, group)})


@routes("supervision-groups/<int:pk>/seats/")
@login_required
def seat_new(request: AuthedRequest, pk: int) -> HttpResponse:
    group = load_for(request.user, SupervisionGroup, pk=pk)
    if not may_manage_group(request.user, group.organization):
        raise Http404
    form = SeatForm(request.POST or None, group=group)
    made = submit(request, form, lambda data: services.supervision_seat_add(
        group_id=group.pk, user=data["user"], actor=request.user, since=data["since"],
        is_leader=data["is_leader"], replaces_id=data["replaces"].pk if data["replaces"]
        else None), success=_("The seat is added."))
    if made.ok:
        return redirect(group)
    return render(request, "feedback/seat_new.html", {"form": form, "group": group})


@routes("supervision-groups/seats/<int:pk>/end/")
@login_required
@require_POST
def seat_end(request: AuthedRequest, pk: int) -> HttpResponse:
    group = load_for(request.user, SupervisionGroup, seats__pk=pk)  # one lookup, as 404s go
    form = SeatEndForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: services.supervision_seat_end(
            seat_id=pk, actor=request.user, **form.cleaned_data), success=_("The seat ended."))
    else:
        flash_errors(request, form)
    return redirect(group)


@routes("supervision-groups/relatives/")
@login_required
def relatives(request: AuthedRequest) -> HttpResponse:
    """Declared relatives the user may see, and the form to declare one."""
    org = _org_param(request)
    form = None
    if org is not None:
        if not may_declare(request.user, org):
            raise Http404
        form = RelativeForm(request.POST or None, organization=org, user=request.user,
                            initial={"person": request.user.pk})
        made = submit(request, form, lambda data: services.relative_declare(
            organization=org, actor=request.user, **data), success=_("Declared."))
        if made.ok:
            return redirect(f"{request.path}?org={org.code}")
    rows = visible_declarations(request.user).select_related(
        "organization", "person", "relative").order_by("organization__path", "person_id", "pk")
    return render(request, "feedback/relatives.html", {
        "page": paginate(request, rows), "form": form, "org": org})


# Inspection plans


def _sitting_group(request: AuthedRequest) -> SupervisionGroup:
    raw = request.GET.get("group", "")
    if not raw.isdigit():
        raise Http404
    group = load_for(request.user, SupervisionGroup, pk=int(raw))
    if not sits_in(request.user, group):
        raise Http404
    return group


@routes("inspections/plans/")
@login_required
def plan_list(request: AuthedRequest) -> HttpResponse:
    rows = visible_plans(request.user).select_related("organization").order_by(
        "-year", "-planned_start", "-pk")
    return render(request, "feedback/plan_list.html", {"page": paginate(request, rows)})


@routes("inspections/plans/new/")
@login_required
@once
def plan_new(request: AuthedRequest) -> HttpResponse:
    group = _sitting_group(request)
    return form_page(request, "feedback/plan_new.html",
                     InspectionPlanForm(request.POST or None, group=group),
                     lambda data: services.inspection_plan(group_id=group.pk,
                                                           actor=request.user, **data),
                     success=_("The inspection is planned."), group=group)


@routes("inspections/plans/<int:pk>/")
@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, InspectionPlan, pk, "feedback/plan_detail.html", "plan",
                       records=lambda user, plan: visible_records(user).filter(plan=plan))


@routes("inspections/plans/<int:pk>/<plan_step:action>/")
@login_required
@require_POST
def plan_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    plan = load_for(request.user, InspectionPlan, pk=pk)
    attempt(request, lambda: services.inspection_conclude_plan(
        plan_id=pk, actor=request.user, done=action == "complete",
        comment=request.POST.get("comment", "")),
        success=_("The inspection plan is marked as completed.") if action == "complete"
        else _("The inspection plan is cancelled."))
    return redirect(plan)


# Inspection records


@routes("inspections/")
@login_required
def record_list(request: AuthedRequest) -> HttpResponse:
    rows = visible_records(request.user).select_related("organization").order_by(
        "-inspected_on", "-pk")
    return render(request, "feedback/inspection_list.html", {"page": paginate(request, rows)})


@routes("inspections/new/")
@login_required
@once
def record_new(request: AuthedRequest) -> HttpResponse:
    group = _sitting_group(request)
    return form_page(request, "feedback/inspection_new.html",
                     InspectionRecordForm(request.POST or None, group=group),
                     lambda data: services.inspection_record(group_id=group.pk,
                                                             actor=request.user, **data),
                     success=_("The inspection is recorded."), group=group)


def _findings(user, record: InspectionRecord) -> list:
    from ..permissions import can_view_order

    found = list(record.findings.select_related("organization", "order__organization"))
    for finding in found:
        seen = finding.order_id is not None and can_view_order(user, finding.order)
        finding.order_seen = finding.order if seen else None  # type: ignore[attr-defined]
    return found


@routes("inspections/<int:pk>/")
def record_detail(request, pk: int) -> HttpResponse:
    return record_page(request, InspectionRecord, pk, "feedback/inspection_detail.html",
                       "record", findings=_findings,
                       finding_form=lambda user, r: FindingForm(record=r),
                       order_form=lambda user, r: OpenOrderForm(),
                       publish_form=lambda user, r: _publish_form())


def _publish_form():
    from ..forms_supervision import PublishForm

    return PublishForm(initial={"audience": InspectionRecord.Audience.MEMBERS})


@routes("inspections/<int:pk>/findings/")
@login_required
@require_POST
def finding_add(request: AuthedRequest, pk: int) -> HttpResponse:
    record = load_for(request.user, InspectionRecord, pk=pk)
    form = FindingForm(request.POST, record=record)
    if form.is_valid():
        attempt(request, lambda: services.inspection_add_finding(
            record_id=pk, actor=request.user, **form.cleaned_data),
            success=_("The finding is recorded."))
    else:
        flash_errors(request, form)
    return redirect(record)


@routes("inspections/findings/<int:pk>/order/")
@login_required
@require_POST
def finding_order(request: AuthedRequest, pk: int) -> HttpResponse:
    record = load_for(request.user, InspectionRecord, findings__pk=pk)
    form = OpenOrderForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: services.inspection_open_order(
            finding_id=pk, actor=request.user, **form.cleaned_data),
            success=_("Rectification ordered."))
    else:
        flash_errors(request, form)
    return redirect(record)


@routes("inspections/<int:pk>/publish/")
@login_required
@require_POST
def record_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    from ..forms_supervision import PublishForm

    record = load_for(request.user, InspectionRecord, pk=pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        attempt(request, lambda: services.inspection_publish(
            record_id=pk, actor=request.user, audience=form.cleaned_data["audience"]),
            success=_("The results are published."))
    else:
        flash_errors(request, form)
    return redirect(record)


# Evidence of rectification


@routes("rectification/<int:pk>/evidence/")
@login_required
@require_POST
def evidence_add(request: AuthedRequest, pk: int) -> HttpResponse:
    order = load_for(request.user, RectificationOrder, pk=pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        attempt(request, lambda: services.rectification_evidence_add(
            order_id=pk, actor=request.user, upload=form.cleaned_data["file"]),
            success=_("The evidence is attached."))
    else:
        flash_errors(request, form)
    return redirect(order)


@routes("rectification/evidence/<int:pk>/")
def evidence_download(request, pk: int):
    return protected_download(load_for(request.user, RectificationEvidence, pk=pk))

