"""Pages of the democratic evaluation: vote, and the published results."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from portal.http import AuthedRequest, attempt
from portal.permissions import load_for
from portal.routing import Routes

from .. import permissions, selectors, services
from ..forms import BallotForm
from ..models import Ballot, Campaign

routes = Routes()


@routes("evaluation/", name="campaigns")
def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    closed = permissions.published_results(user)
    managed = (Campaign.objects.exclude(state=Campaign.State.CLOSED)
               if getattr(user, "is_staff", False) and user.has_perm("feedback.change_campaign")
               else [])
    return render(request, "feedback/campaign_list.html", {
        "open": permissions.campaigns_open_to(user), "closed": closed, "managed": managed})


@routes("evaluation/<int:pk>/")
@login_required
def vote(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk, state=Campaign.State.OPEN)
    orgs = [o for o in campaign.organizations.order_by("path")
            if permissions.may_vote(request.user, campaign, o)]
    if not orgs:
        raise Http404
    done = set(Ballot.objects.filter(campaign=campaign, voter=request.user)
               .values_list("organization_id", flat=True))
    form = BallotForm(request.POST or None)
    if request.method == "POST":
        org = next((o for o in orgs if str(o.pk) == request.POST.get("organization")), None)
        if org is None:
            raise Http404
        if form.is_valid():
            attempt(request, lambda: services.ballot_cast(
                campaign=campaign, organization=org, voter=request.user, **form.cleaned_data),
                success=_("Thank you for your evaluation."))
            return redirect("feedback:vote", pk=campaign.pk)
    return render(request, "feedback/vote.html", {
        "campaign": campaign, "orgs": orgs, "done": done, "form": form})


@routes("evaluation/<int:pk>/results/", name="results")
def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = load_for(request.user, Campaign, pk=pk)
    return render(request, "feedback/results.html", {
        "campaign": campaign, "results": selectors.results(campaign),
        "may_manage": permissions.can_manage_campaign(request.user, campaign)})
