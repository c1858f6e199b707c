from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .models import Organization, User
from .workflow import TransitionError

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    StrOrPromise = str | _StrPromise
else:
    StrOrPromise = str



class AuthedRequest(HttpRequest):
    """A request behind ``login_required``: its user is a real ``User``."""

    user: User  # type: ignore[assignment]


@dataclass
class Outcome:
    """What became of a service call made for a page."""

    ok: bool
    value: Any = None


def attempt(request: HttpRequest, call: Callable[[], Any], *, success: StrOrPromise = "",
            form: forms.BaseForm | None = None) -> Outcome:
    """Run one service call for a page: the one way views call services.

    What the user may not see or does not exist (``PermissionDenied``, ``DoesNotExist``)
    answers 404. A refusal (``TransitionError``, ``ValidationError``) changes nothing and
    is shown on the page: on ``form`` (which keeps what the user typed; field errors land
    next to their fields) or as a message. ``success`` is flashed when the call went
    through.
    """
    try:
        value = call()
    except (PermissionDenied, ObjectDoesNotExist) as error:
        raise Http404 from error
    except (TransitionError, ValidationError) as error:
        _show_refusal(request, error, form)
        return Outcome(False)
    if success:
        messages.success(request, success)
    return Outcome(True, value)


def _show_refusal(request: HttpRequest, error: Exception, form) -> None:
    if isinstance(error, ValidationError) and form is not None:
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form.add_error(None, error)
        return
    text = (" ".join(error.messages) if isinstance(error, ValidationError) else str(error))
    if form is not None:
        form.add_error(None, text)
    else:
        messages.error(request, text)


def flash_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """Show a form's errors as messages, for forms posted from another page."""
    for errors in form.errors.values():
        messages.error(request, " ".join(str(error) for error in errors))


def pick_organization(request: HttpRequest, choices: Iterable[Organization],
                      param: str = "org") -> Organization:
    """Return the organization the page is about: the one named by ``?org=<code>`` among
    ``choices``, or the first of them. An unknown code, or no choice at all, answers 404."""
    choices = list(choices)
    code = request.GET.get(param)
    if code:
        found = next((org for org in choices if org.code == code), None)
        if found is None:
            raise Http404
        return found
    if not choices:
        raise Http404
    return choices[0]


def submit(request: HttpRequest, form: forms.BaseForm, call: Callable[[dict], Any], *,
           success: StrOrPromise = "") -> Outcome:
    """Run ``call(cleaned_data)`` through :func:`attempt` when ``form`` was posted and is
    valid; otherwise nothing happens (the form shows its own errors)."""
    if request.method != "POST" or not form.is_valid():
        return Outcome(False)
    return attempt(request, lambda: call(form.cleaned_data), form=form, success=success)


def posted_text(request: HttpRequest, form_class: type[forms.Form], field: str) -> str:
    """Return the cleaned text of one optional field of a posted form ("" if invalid)."""
    form = form_class(request.POST)
    return form.cleaned_data[field] if form.is_valid() else ""


def decided_message(approved: bool) -> str:
    """The message after an approver's decision: what happened and who hears of it."""
    if approved:
        return _("Approved; the organization is notified.")
    return _("Rejected; the organization is notified with your reason.")


def decision_view(service: Callable[..., Any], id_name: str, page: str):
    """Return the view that posts an approver's decision (``approve`` or ``reject`` in the
    URL, the comment in the form) to ``service`` and goes back to the record's ``page``."""

    @login_required
    @require_POST
    def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
        attempt(request, lambda: service(**{id_name: pk}, actor=request.user,
                                         approve=decision == "approve",
                                         comment=request.POST.get("comment", "")),
                success=decided_message(decision == "approve"))
        return redirect(page, pk=pk)

    return decide


def record_page(request: HttpRequest, model, pk: int, template: str, name: str,
                **extra: Callable[[Any, Any], Any]) -> HttpResponse:
    """The page of one record the user may see (404 otherwise), with the actions the user
    may take on it; each of ``extra`` is computed as ``extra(user, record)``."""
    from .permissions import load_for
    from .workflow import available_actions

    obj = load_for(request.user, model, pk=pk)
    return render(request, template, {
        name: obj, "actions": available_actions(request.user, obj),
        **{key: compute(request.user, obj) for key, compute in extra.items()}})


def form_page(request: HttpRequest, template: str, form: forms.BaseForm,
              call: Callable[[dict], Any], *, success: StrOrPromise = "",
              **context: Any) -> HttpResponse:
    """The page of a form that makes or changes one record: on a valid post, run the
    service and go to the record's page; otherwise show the form (with its errors)."""
    made = submit(request, form, call, success=success)
    if made.ok:
        return redirect(made.value)
    return render(request, template, {"form": form, **context})
