"""Pages of out-of-catalog work plans (目录外事项)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from portal.http import AuthedRequest, decision_view, form_page, pick_organization, record_page
from portal.idempotency import once
from portal.roles import user_organizations
from portal.routing import Routes

from .. import permissions, services
from ..forms import PlanForm
from ..models import WorkPlan
from .changes import SENT_FOR_APPROVAL

routes = Routes()


@routes("plans/new/")
@login_required
@once
def plan_new(request: AuthedRequest) -> HttpResponse:
    org = pick_organization(request, user_organizations(request.user, "publish"))
    form = PlanForm(request.POST or None)
    return form_page(request, "disclosure/plan_form.html", form,
                     lambda data: services.workplan_submit(organization=org,
                                                           actor=request.user, **data),
                     success=SENT_FOR_APPROVAL, org=org)


@routes("plans/<int:pk>/")
@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, WorkPlan, pk, "disclosure/plan_detail.html", "plan",
                       may_draft=permissions.can_draft_from_plan)


plan_decide = routes("plans/<int:pk>/<decision:decision>/", name="plan_decide")(
    decision_view(services.workplan_decide, "plan_id", "disclosure:plan_detail"))
