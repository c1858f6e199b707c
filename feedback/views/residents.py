"""Evaluation by residents without accounts (printed one-time codes), and registration of
members of the public for the evaluations open to everyone."""

from __future__ import annotations

import segno
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from portal import ratelimit
from portal.http import AuthedRequest, attempt, submit
from portal.idempotency import once
from portal.routing import Routes

from .. import permissions, services
from ..forms import CodeBatchForm, ResidentBallotForm, SignUpForm
from ..models import Campaign
from ..models_commitments import shown_code

routes = Routes()


def _qr(url: str) -> str:
    return segno.make(url, error="m").svg_inline(scale=2, border=1)


@routes("evaluation/<int:pk>/codes/")
@login_required
def code_batch(request: AuthedRequest, pk: int) -> HttpResponse:
    """Generate a batch of one-time codes; the answer is the printable A4 sheet, the only
    place the codes ever appear (only their hashes are kept)."""
    campaign = get_object_or_404(Campaign, pk=pk)
    if not permissions.can_manage_campaign(request.user, campaign):
        raise Http404
    form = CodeBatchForm(request.POST or None)
    made = submit(request, form, lambda data: services.evaluation_codes_generate(
        campaign_id=pk, actor=request.user, count=data["count"]))
    if made.ok:
        base = request.build_absolute_uri(reverse("feedback:resident_vote", args=[pk]))
        slips = [(shown_code(code), mark_safe(_qr(f"{base}?code={code}")))  # noqa: S308
                 for code in made.value]
        response = render(request, "feedback/code_sheet.html", {
            "campaign": campaign, "slips": slips, "url": base})
        response["Cache-Control"] = "no-store"
        return response
    used = campaign.codes.filter(used_at__isnull=False).count()
    return render(request, "feedback/code_batch.html", {
        "campaign": campaign, "form": form, "codes": campaign.codes.count(), "used": used,
        "may_generate": permissions.may_generate_codes(request.user, campaign)})


@routes("evaluation/<int:pk>/resident/")
@once
def resident_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a printed slip's QR code opens: the code and one rating for every
    organization of the campaign. A used and an unknown code get the same answer; an
    address that keeps trying is refused for a while."""
    campaign = get_object_or_404(Campaign, pk=pk, state=Campaign.State.OPEN)
    orgs = list(campaign.organizations.order_by("path"))
    form = ResidentBallotForm(request.POST or None, organizations=orgs,
                              initial={"code": request.GET.get("code", "")[:40]})
    if request.method == "POST":
        verdict = ratelimit.hit(request, "evaluation.code")
        if not verdict.allowed:  # the ratings come back as they were ticked
            return ratelimit.too_many_for_form(
                request, "feedback/resident_vote.html",
                {"campaign": campaign, "form": form, "orgs": orgs},
                scope="evaluation.code", retry_after=verdict.retry_after)
        if form.is_valid() and not form.cleaned_data.get("website"):
            made = attempt(request, lambda: services.evaluation_code_cast(
                campaign_id=pk, code=form.cleaned_data["code"], ratings=form.ratings()),
                form=form)
            if made.ok:
                ratelimit.undo(verdict)
                return redirect("feedback:resident_thanks", pk=pk)
    return render(request, "feedback/resident_vote.html", {
        "campaign": campaign, "form": form, "orgs": orgs})


@routes("evaluation/<int:pk>/resident/thanks/")
def resident_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = get_object_or_404(Campaign, pk=pk)
    return render(request, "feedback/resident_thanks.html", {"campaign": campaign})


@routes("accounts/register/")
def register(request: HttpRequest) -> HttpResponse:
    """Self-registration of a member of the public: an account with no party rights."""
    if request.user.is_authenticated:
        return redirect("feedback:campaigns")
    form = SignUpForm(request.POST or None)
    if request.method == "POST":
        verdict = ratelimit.hit(request, "accounts.register")
        if not verdict.allowed:  # what was typed comes back (never the password)
            return ratelimit.too_many_for_form(
                request, "feedback/register.html", {"form": form},
                scope="accounts.register", retry_after=verdict.retry_after)
        if form.is_valid() and form.cleaned_data.get("website"):
            raise Http404
    data = form.cleaned_data if form.is_bound and form.is_valid() else None
    if data is not None:
        made = attempt(request, lambda: services.public_user_register(
            username=data["username"], full_name=data["full_name"], contact=data["contact"],
            password=data["password1"]), form=form,
            success=_("Welcome. You can now take part in the evaluations open to everyone."))
        if made.ok:
            login(request, made.value, backend="portal.backends.CachedModelBackend")
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, {request.get_host()},
                                                   request.is_secure()):
                target = reverse("feedback:campaigns")
            return redirect(target)
    return render(request, "feedback/register.html", {"form": form})
