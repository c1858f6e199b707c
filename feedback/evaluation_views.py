"""Pages of the democratic evaluation: vote, and the published results."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from disclosure.errors import TransitionError
from portal.http import AuthedRequest
from portal.roles import org_ids_with

from . import evaluation
from .models import Ballot, Campaign


class BallotForm(forms.Form):
    rating = forms.ChoiceField(label=gettext_lazy("Your rating"), choices=Ballot.Rating.choices,
                               widget=forms.RadioSelect)
    comment = forms.CharField(label=gettext_lazy("Comment (optional)"), required=False,
                              max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


def campaign_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    member_of = org_ids_with(user, "view_internal") if user.is_authenticated else frozenset()
    open_ones = Campaign.objects.filter(stage=Campaign.Stage.OPEN).filter(
        Q(voters=Campaign.Audience.EVERYONE) | Q(organizations__in=member_of)).distinct() if (
        user.is_authenticated) else Campaign.objects.none()
    closed = evaluation.campaigns_with_visible_results(user)
    return render(request, "feedback/campaign_list.html", {"open": open_ones,
                                                            "closed": closed})


@login_required
def vote(request: AuthedRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk, stage=Campaign.Stage.OPEN)
    orgs = [o for o in campaign.organizations.order_by("path")
            if evaluation.may_vote(request.user, campaign, o)]
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
            try:
                evaluation.cast(campaign=campaign, organization=org, voter=request.user,
                                **form.cleaned_data)
            except PermissionDenied as error:
                raise Http404 from error
            except TransitionError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Thank you for your evaluation."))
            return redirect("feedback:vote", pk=campaign.pk)
    return render(request, "feedback/vote.html", {
        "campaign": campaign, "orgs": orgs, "done": done, "form": form})


def campaign_results(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    if not evaluation.may_see_results(request.user, campaign):
        raise Http404
    return render(request, "feedback/results.html", {
        "campaign": campaign, "results": evaluation.results(campaign)})
