"""Pages of 公开承诺 and 领导点评."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from portal.http import AuthedRequest, attempt, form_page, record_page
from portal.idempotency import once
from portal.models import Organization
from portal.pagination import paginate
from portal.permissions import load_for
from portal.roles import acts_for
from portal.routing import Routes
from portal.urlconverters import register_words
from portal.workflow import available_actions

from .. import permissions, services
from ..forms import CommitmentEditForm, CommitmentForm, LeaderCommentForm
from ..models import Commitment, LeaderComment

register_words("commitment_step", "publish", "revise")
register_words("comment_step", "publish", "unpublish")

routes = Routes()


@routes("commitments/")
def commitment_list(request: HttpRequest) -> HttpResponse:
    """The commitments the reader may see, newest year first; ``?year=`` and ``?org=``
    narrow the list, ``?all=1`` shows superseded versions too."""
    rows = permissions.visible_commitments(request.user).select_related("organization")
    if not request.GET.get("all"):
        rows = rows.exclude(state=Commitment.State.SUPERSEDED)
    year = request.GET.get("year", "")
    if year.isdigit():
        rows = rows.filter(year=int(year))
    if code := request.GET.get("org"):  # an unknown organization is not an empty list
        rows = rows.filter(organization=get_object_or_404(Organization, code=code,
                                                          is_active=True))
    mine = [org for org in Organization.objects.filter(is_active=True).order_by("path")
            if acts_for(request.user, org)] if request.user.is_authenticated else []
    return render(request, "feedback/commitment_list.html", {
        "page": paginate(request, rows.order_by("-year", "organization__path", "-version")),
        "year": year, "mine": mine[:20]})


@routes("commitments/new/")
@login_required
@once
def commitment_new(request: AuthedRequest) -> HttpResponse:
    org = get_object_or_404(Organization, code=request.GET.get("org", ""), is_active=True)
    if not acts_for(request.user, org):
        raise Http404
    form = CommitmentForm(request.POST or None,
                          initial={"year": timezone.localdate().year})
    return form_page(request, "feedback/commitment_form.html", form,
                     lambda data: services.commitment_draft(organization=org,
                                                            actor=request.user, **data),
                     success=_("Draft saved. The secretary signs and publishes it."), org=org)


def _others(user, commitment: Commitment):
    return permissions.visible_commitments(user).filter(
        organization_id=commitment.organization_id, year=commitment.year).exclude(
        pk=commitment.pk).order_by("-version")


@routes("commitments/<int:pk>/")
def commitment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return record_page(
        request, Commitment, pk, "feedback/commitment_detail.html", "commitment",
        versions=_others,
        comments=lambda user, c: list(permissions.comments_with(user, c)),
        may_comment=lambda user, c: permissions.may_comment(user, c.organization),
        may_sign=lambda user, c: permissions.is_secretary(user, c.organization_id))


@routes("commitments/<int:pk>/edit/")
@login_required
def commitment_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    commitment = load_for(request.user, Commitment, pk=pk)
    if "edit" not in available_actions(request.user, commitment):
        raise Http404
    form = CommitmentEditForm(request.POST or None, initial={
        "text": commitment.text, "audience": commitment.audience})
    return form_page(request, "feedback/commitment_form.html", form,
                     lambda data: services.commitment_edit(commitment_id=pk,
                                                           actor=request.user, **data),
                     success=_("Draft saved. The secretary signs and publishes it."),
                     org=commitment.organization, commitment=commitment)


@routes("commitments/<int:pk>/<commitment_step:action>/")
@login_required
@require_POST
def commitment_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    load_for(request.user, Commitment, pk=pk)
    if action == "publish":
        attempt(request, lambda: services.commitment_publish(commitment_id=pk,
                                                             actor=request.user),
                success=_("Signed and published."))
        return redirect("feedback:commitment_detail", pk=pk)
    made = attempt(request, lambda: services.commitment_revise(commitment_id=pk,
                                                               actor=request.user),
                   success=_("A new version was started as a draft."))
    return redirect(made.value if made.ok else Commitment.objects.get(pk=pk))


@routes("commitments/comments/new/")
@login_required
@once
def comment_new(request: AuthedRequest) -> HttpResponse:
    org = get_object_or_404(Organization, code=request.GET.get("org", ""), is_active=True)
    if not permissions.may_comment(request.user, org):
        raise Http404
    form = LeaderCommentForm(request.POST or None,
                             initial={"year": timezone.localdate().year})
    return form_page(request, "feedback/comment_form.html", form,
                     lambda data: services.leader_comment_record(organization=org,
                                                                 actor=request.user, **data),
                     success=_("Comment recorded."), org=org)


@routes("commitments/comments/<int:pk>/")
def comment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return record_page(request, LeaderComment, pk, "feedback/comment_detail.html", "comment")


@routes("commitments/comments/<int:pk>/<comment_step:action>/")
@login_required
@require_POST
def comment_act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    load_for(request.user, LeaderComment, pk=pk)
    call = (services.leader_comment_publish if action == "publish"
            else services.leader_comment_unpublish)
    attempt(request, lambda: call(comment_id=pk, actor=request.user),
            success=_("The comment is published.") if action == "publish"
            else _("The comment is no longer published."))
    return redirect("feedback:comment_detail", pk=pk)
