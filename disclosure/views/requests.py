"""Pages of applications for disclosure (依申请公开)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from portal import workflow
from portal.http import AuthedRequest, form_page, pick_organization, submit
from portal.pagination import paginate
from portal.permissions import load_for
from portal.routing import Routes

from .. import permissions, services
from ..forms import AnswerForm, RequestForm
from ..models import DisclosureRequest

routes = Routes()


@routes("requests/new/")
@login_required
def request_new(request: AuthedRequest) -> HttpResponse:
    targets = permissions.organizations_to_apply_to(request.user)
    org = pick_organization(request, targets)
    return form_page(request, "disclosure/request_new.html", RequestForm(request.POST or None),
                     lambda data: services.request_submit(organization=org,
                                                          applicant=request.user, **data),
                     success=_("Your application was sent."), org=org, targets=targets)


@routes("requests/<int:pk>/")
@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    found = load_for(request.user, DisclosureRequest, pk=pk)
    may_answer = bool(workflow.available_actions(request.user, found))
    form = AnswerForm(request.POST or None, organization=found.organization)
    if request.method == "POST":
        if not may_answer:
            raise Http404
        if submit(request, form, lambda data: services.request_answer(
                request_id=found.pk, actor=request.user, **data),
                success=_("Answered and filed with the parent organization.")).ok:
            return redirect("disclosure:request_detail", pk=found.pk)
    return render(request, "disclosure/request_detail.html", {
        "req": found, "form": form if may_answer else None,
    })


@routes("requests/")
@login_required
def request_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    rows = permissions.requests_made_or_answered(user).select_related(
        "organization", "applicant").order_by("-submitted_at", "-pk")
    return render(request, "disclosure/request_list.html", {
        "page": paginate(request, rows),
        "may_apply": bool(permissions.organizations_to_apply_to(user)),
    })
