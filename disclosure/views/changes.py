"""Pages of change and withdrawal requests.

The catalog-setting organization's reviewers decide them. They read the request page,
which shows the item as published and as proposed, without gaining access to the item's
other pages: only what the request is about is put before them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from portal.http import (
    AuthedRequest,
    attempt,
    decided_message,
    flash_errors,
    form_page,
    record_page,
)
from portal.idempotency import once
from portal.routing import Routes

from .. import permissions, selectors, services, textdiff
from ..forms import ChangeDecisionForm, ChangeForm
from ..models import ChangeRequest
from ..visibility import reviews_anything

SENT_FOR_APPROVAL = gettext_lazy("Sent to the catalog-setting organization for approval.")

routes = Routes()


@routes("items/<int:pk>/change/")
@login_required
@once
def change_new(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_action(request.user, pk, "request_change")
    form = ChangeForm(request.POST or None,
                      initial={"kind": "change", "new_title": item.title, "new_body": item.body})
    return form_page(request, "disclosure/change_form.html", form,
                     lambda data: services.change_submit(item_id=item.pk, actor=request.user,
                                                         **data),
                     success=SENT_FOR_APPROVAL, item=item)


@routes("changes/<int:pk>/")
@login_required
def change_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    return record_page(request, ChangeRequest, pk, "disclosure/change_detail.html", "change",
                       decision_form=lambda user, change: ChangeDecisionForm(),
                       compared=lambda user, change: textdiff.change_sides(change))


@routes("changes/<int:pk>/withdraw/")
@login_required
@require_POST
def change_withdraw(request: AuthedRequest, pk: int) -> HttpResponse:
    """Withdraw one's own request while it awaits approval."""
    attempt(request, lambda: services.change_withdraw(
        request_id=pk, actor=request.user, comment=request.POST.get("comment", "")),
        success=gettext_lazy("The request has been withdrawn."))
    return redirect("disclosure:change_detail", pk=pk)


@routes("changes/")
@login_required
def change_inbox(request: AuthedRequest) -> HttpResponse:
    if not reviews_anything(request.user):
        raise Http404
    return render(request, "disclosure/change_inbox.html", {
        "pending": permissions.changes_to_decide(request.user).select_related(
            "item__organization"),
        "plans": permissions.plans_to_decide(request.user).select_related("organization"),
    })


@routes("changes/<int:pk>/<decision:decision>/")
@login_required
@require_POST
def change_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    """Post the approver's decision; an approval carries the confidentiality check."""
    form = ChangeDecisionForm(request.POST)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("disclosure:change_detail", pk=pk)
    attempt(request, lambda: services.change_decide(
        request_id=pk, actor=request.user, approve=decision == "approve",
        comment=form.cleaned_data["comment"],
        confidentiality_checked=form.cleaned_data["confidentiality_checked"]),
        success=decided_message(decision == "approve"))
    return redirect("disclosure:change_detail", pk=pk)


def withdrawn_notice(request: HttpRequest, item) -> HttpResponse:
    """A public item that was withdrawn keeps a notice where it was public: its title and
    the published explanation, nothing else."""
    explanation = item.change_requests.filter(
        state=ChangeRequest.State.APPROVED).order_by("-decided_at").first()
    return render(request, "disclosure/withdrawn_notice.html", {
        "item": item, "explanation": explanation})
