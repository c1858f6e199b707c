"""Pages of non-disclosure filings (暂不公开备案): filing an obligation, the filing's page,
the parent's decision, and the organization ending a filing."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthedRequest, attempt, posted_text, record_page, submit
from portal.permissions import load_for
from portal.routing import Routes

from .. import permissions, services
from ..forms import CommentForm, FilingForm
from ..models import NonDisclosureFiling, Obligation

routes = Routes()


@routes("obligations/<int:pk>/file/")
@login_required
def file_obligation(request: AuthedRequest, pk: int) -> HttpResponse:
    obligation = load_for(request.user, Obligation, pk=pk)
    if not permissions.can_file(request.user, obligation):
        raise Http404
    form = FilingForm(request.POST or None)
    if submit(request, form, lambda data: services.filing_submit(
            obligation_id=pk, actor=request.user, reason=data["reason"],
            until=data["until"], condition=data["condition"]),
            success=_("Filed with the parent organization.")).ok:
        return redirect(f"/workspace/?org={obligation.organization.code}")
    return render(request, "disclosure/filing_form.html", {"form": form, "obligation": obligation})


@routes("filings/<int:pk>/")
@login_required
def filing_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """The filing's page; a post ends the filing (the organization's officers)."""
    if request.method == "POST":
        filing = load_for(request.user, NonDisclosureFiling, pk=pk)
        attempt(request, lambda: services.filing_end(
            filing_id=filing.pk, actor=request.user,
            comment=posted_text(request, CommentForm, "comment")),
            success=_("The filing has ended: the disclosure is due again."))
        return redirect(filing)
    return record_page(request, NonDisclosureFiling, pk, "disclosure/filing_detail.html",
                       "filing")


DECISIONS = {"acknowledge": services.filing_acknowledge, "return": services.filing_return}


@routes("filings/<int:pk>/<filing_decision:decision>/")
@login_required
@require_POST
def filing_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    decide = DECISIONS[decision]
    attempt(request, lambda: decide(filing_id=pk, actor=request.user,
                                    comment=request.POST.get("comment", "")),
            success=_("Acknowledged; the organization is notified.") if decision == "acknowledge"
            else _("Returned; the organization is notified with your reason."))
    return redirect("disclosure:review_inbox")
