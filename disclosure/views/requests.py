"""Pages of applications for disclosure (依申请公开)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal import workflow
from portal.http import AuthedRequest, flash_errors, form_page, pick_organization, submit
from portal.idempotency import once
from portal.pagination import paginate
from portal.permissions import can_view, load_for
from portal.routing import Routes

from .. import permissions, services
from ..forms import AnswerForm, RequestDraftForm, RequestForm
from ..models import DisclosureRequest
from ..uploads import refuse_stray_files

routes = Routes()


@routes("requests/new/")
@login_required
@once
def request_new(request: AuthedRequest) -> HttpResponse:
    targets = permissions.organizations_to_apply_to(request.user)
    org = pick_organization(request, targets)
    form = RequestForm(request.POST or None)
    refuse_stray_files(request, form)
    return form_page(request, "disclosure/request_new.html", form,
                     lambda data: services.request_submit(organization=org,
                                                          applicant=request.user, **data),
                     success=_("Your application was sent."), org=org, targets=targets)


def _answerable(request: AuthedRequest, pk: int) -> DisclosureRequest:
    """Load an application for an answer posted to it: 404 unless the user answers for its
    organization. Whether its state still allows the answer is the service's to say."""
    found = load_for(request.user, DisclosureRequest, pk=pk)
    if not workflow.has_right(request.user, found, "decline"):
        raise Http404
    return found


def _page(request: AuthedRequest, found: DisclosureRequest, *,
          answer_form: AnswerForm | None = None,
          draft_form: RequestDraftForm | None = None) -> HttpResponse:
    """The application's page: its answer, the item it led to (where the reader may see
    it), and for its organization's officers the two ways of answering while it awaits
    one. A refusal posted to an application that no longer awaits an answer shows as a
    message."""
    actions = workflow.available_actions(request.user, found)
    answering = "decline" in actions
    for posted in (answer_form, draft_form):
        if posted is not None and posted.errors and not answering:
            flash_errors(request, posted)
    if answering and answer_form is None:
        answer_form = AnswerForm(organization=found.organization)
    if "draft" in actions and draft_form is None:
        draft_form = RequestDraftForm(organization=found.organization)
    return render(request, "disclosure/request_detail.html", {
        "req": found, "actions": actions,
        "item": found.item if found.item is not None and can_view(
            request.user, found.item) else None,
        "answer_form": answer_form if answering else None,
        "draft_form": draft_form if "draft" in actions else None,
    })


@routes("requests/<int:pk>/")
@login_required
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    if request.method != "POST":
        return _page(request, load_for(request.user, DisclosureRequest, pk=pk))
    found = _answerable(request, pk)
    form = AnswerForm(request.POST, organization=found.organization)
    if submit(request, form, lambda data: services.request_answer(
            request_id=found.pk, actor=request.user, **data),
            success=_("Answered and filed with the reviewers of the organization's "
                      "work.")).ok:
        return redirect("disclosure:request_detail", pk=found.pk)
    found.refresh_from_db()
    return _page(request, found, answer_form=form)


@routes("requests/<int:pk>/draft/")
@login_required
@require_POST
def request_draft(request: AuthedRequest, pk: int) -> HttpResponse:
    """Answer with a new matter: start the draft and go on writing it."""
    found = _answerable(request, pk)
    form = RequestDraftForm(request.POST, organization=found.organization)
    made = submit(request, form, lambda data: services.request_draft(
        request_id=found.pk, actor=request.user, **data),
        success=_("Draft started for the application. Write it and submit it for review; "
                  "the application is answered when the item is published."))
    if made.ok:
        return redirect("disclosure:item_edit", pk=made.value.pk)
    found.refresh_from_db()
    return _page(request, found, draft_form=form)


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
