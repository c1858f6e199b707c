"""Pages of change and withdrawal requests.

The catalog-setting organization's reviewers decide them. They read the request page,
which shows the item as published and as proposed, without gaining access to the item's
other pages: only what the request is about is put before them.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalog.models import Category, Scope, TimeLimit
from portal.http import AuthedRequest
from portal.roles import has_org_perm, org_ids_with, user_organizations

from . import changes, selectors, workplans
from .errors import TransitionError
from .models import ChangeRequest, WorkPlan
from .visibility import can_manage, can_view


class ChangeForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What to do"), choices=ChangeRequest.Kind.choices,
                             widget=forms.RadioSelect)
    new_title = forms.CharField(label=gettext_lazy("New title (for a change)"), required=False,
                                max_length=200)
    new_body = forms.CharField(label=gettext_lazy("New body (for a change)"), required=False,
                               widget=forms.Textarea(attrs={"rows": 10}))
    explanation = forms.CharField(label=gettext_lazy("Explanation to publish"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def change_new(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(request.user, pk)
    if not can_manage(request.user, item):
        raise Http404
    form = ChangeForm(request.POST or None,
                      initial={"kind": "change", "new_title": item.title, "new_body": item.body})
    if request.method == "POST" and form.is_valid():
        try:
            made = changes.request_change(item_id=item.pk, actor=request.user,
                                          **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Sent to the catalog-setting organization for "
                                        "approval."))
            return redirect("disclosure:change_detail", pk=made.pk)
    return render(request, "disclosure/change_form.html", {"form": form, "item": item})


def _change_for(request: AuthedRequest, pk: int) -> ChangeRequest:
    change = get_object_or_404(ChangeRequest.objects.select_related(
        "item__organization", "item__entry__catalog", "requested_by"), pk=pk)
    if not (can_view(request.user, change.item) or changes.can_approve(request.user,
                                                                         change.item)):
        raise Http404
    return change


@login_required
def change_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    change = _change_for(request, pk)
    may_decide = (change.state == ChangeRequest.State.SUBMITTED
                  and changes.can_approve(request.user, change.item))
    return render(request, "disclosure/change_detail.html", {"change": change,
                                                              "may_decide": may_decide})


@login_required
def change_inbox(request: AuthedRequest) -> HttpResponse:
    ids = org_ids_with(request.user, "review")
    if not ids:
        raise Http404
    pending = ChangeRequest.objects.filter(
        state=ChangeRequest.State.SUBMITTED, item__entry__catalog__issuer_id__in=ids,
    ).select_related("item__organization")
    plans = WorkPlan.objects.filter(state=WorkPlan.State.SUBMITTED,
                                    catalog__issuer_id__in=ids).select_related("organization")
    return render(request, "disclosure/change_inbox.html", {"pending": pending,
                                                             "plans": plans})


@login_required
@require_POST
def change_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    try:
        changes.decide_change(request_id=pk, actor=request.user,
                              approve=decision == "approve",
                              comment=request.POST.get("comment", ""))
    except (PermissionDenied, ChangeRequest.DoesNotExist) as error:
        raise Http404 from error
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("disclosure:change_detail", pk=pk)


def withdrawn_notice(request: HttpRequest, item) -> HttpResponse:
    """A public item that was withdrawn keeps a notice where it was public: its title and
    the published explanation, nothing else."""
    explanation = item.change_requests.filter(
        state=ChangeRequest.State.APPROVED).order_by("-decided_at").first()
    return render(request, "disclosure/withdrawn_notice.html", {
        "item": item, "explanation": explanation})


class PlanForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Matter to disclose"), max_length=150)
    plan = forms.CharField(label=gettext_lazy("Work plan"), max_length=10000,
                           widget=forms.Textarea(attrs={"rows": 8}))
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=Category.choices)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=Scope.choices)
    time_limit = forms.ChoiceField(label=gettext_lazy("Time limit"), choices=[
        c for c in TimeLimit.choices if c[0] != TimeLimit.PERIODIC])
    display_days = forms.IntegerField(label=gettext_lazy("Display days (short-term)"),
                                      required=False, min_value=1, max_value=365)


@login_required
def plan_new(request: AuthedRequest) -> HttpResponse:
    orgs = user_organizations(request.user, "publish")
    org = next((o for o in orgs if o.code == request.GET.get("org")), orgs[0] if orgs else None)
    if org is None:
        raise Http404
    form = PlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            plan = workplans.submit_plan(organization=org, actor=request.user,
                                         **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except TransitionError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Sent to the catalog-setting organization for "
                                        "approval."))
            return redirect("disclosure:plan_detail", pk=plan.pk)
    return render(request, "disclosure/plan_form.html", {"form": form, "org": org})


@login_required
def plan_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(WorkPlan.objects.select_related(
        "organization", "catalog", "entry", "submitted_by"), pk=pk)
    mine = has_org_perm(request.user, "publish", plan.organization)
    approver = has_org_perm(request.user, "review", plan.catalog.issuer_id)
    if not (mine or approver):
        raise Http404
    return render(request, "disclosure/plan_detail.html", {
        "plan": plan, "may_decide": approver and plan.state == WorkPlan.State.SUBMITTED,
        "may_draft": mine and plan.entry_id is not None,
    })


@login_required
@require_POST
def plan_decide(request: AuthedRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in ("approve", "reject"):
        raise Http404
    try:
        workplans.decide_plan(plan_id=pk, actor=request.user, approve=decision == "approve",
                              comment=request.POST.get("comment", ""))
    except (PermissionDenied, WorkPlan.DoesNotExist) as error:
        raise Http404 from error
    except TransitionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Saved."))
    return redirect("disclosure:plan_detail", pk=pk)
