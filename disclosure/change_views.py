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

from portal.http import AuthedRequest
from portal.roles import org_ids_with

from . import changes, selectors
from .errors import TransitionError
from .models import ChangeRequest
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
    return render(request, "disclosure/change_inbox.html", {"pending": pending})


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
