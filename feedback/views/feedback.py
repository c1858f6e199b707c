"""Feedback pages: the online form, objections to publicity items, tracking by code, and
the secretaries' handling (with their conclusion on an item's objections)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from disclosure import selectors as item_selectors
from disclosure import services as item_services
from disclosure.models import DisclosureItem
from disclosure.visibility import can_view
from portal import ratelimit, workflow
from portal.http import AuthedRequest, attempt, pick_organization, posted_text, submit
from portal.models import Organization
from portal.pagination import paginate
from portal.roles import user_organizations
from portal.routing import Routes
from portal.workflow import TransitionError

from .. import permissions, selectors, services
from ..forms import (
    ConclusionForm,
    ConsentForm,
    DeclineForm,
    FeedbackForm,
    HandleForm,
    ObjectionForm,
    OfflineFeedbackForm,
    PublicationCheckForm,
    ReopenForm,
    TrackForm,
)
from ..models import Feedback

SESSION_CODES = "feedback_codes"

routes = Routes()


def _item_asked_for(request: HttpRequest) -> DisclosureItem | None:
    """Return the item named by ``?item=<pk>`` if the user may see it (404 otherwise)."""
    if item_id := request.GET.get("item"):
        if not item_id.isdigit():
            raise Http404
        return item_selectors.item_for_user(request.user, int(item_id))
    return None


def _take(request: HttpRequest, form: FeedbackForm, org: Organization,
          item: DisclosureItem | None, *, objection: bool = False) -> HttpResponse | None:
    """Hand a valid posted form to the service: return where to go next, or None to show
    the form (again, with the refusal on it: nothing was created)."""
    if request.method != "POST" or not form.is_valid():
        return None
    if not request.user.is_authenticated:
        verdict = ratelimit.hit(request, "feedback.new")
        if not verdict.allowed:
            return ratelimit.too_many(request, retry_after=verdict.retry_after)
    if form.cleaned_data["website"]:
        form.add_error(None, _("Your submission could not be accepted."))
        return None
    try:
        feedback = services.feedback_submit(
            organization=org, item=item, author=request.user,
            body=form.cleaned_data["body"], name=form.cleaned_data["name"],
            contact=form.cleaned_data["contact"],
            allow_publish=form.cleaned_data["allow_publish"],
            allow_publish_question=form.cleaned_data["allow_publish_question"],
            address=ratelimit.client_ip(request), objection=objection)
    except ValidationError as error:
        if getattr(error, "code", None) == "rate":
            return ratelimit.too_many(request, retry_after=3600)
        form.add_error(None, error)
        return None
    except TransitionError as error:
        form.add_error(None, str(error))
        return None
    except PermissionDenied as error:
        raise Http404 from error
    request.session[SESSION_CODES] = [
        feedback.tracking_code, *request.session.get(SESSION_CODES, [])][:10]
    return redirect("feedback:thanks")


@routes("feedback/new/", name="new")
def feedback_new(request: HttpRequest) -> HttpResponse:
    item = _item_asked_for(request)
    if item is not None:
        org = item.organization
        if request.GET.get("org", org.code) != org.code:
            raise Http404  # the item belongs to another organization than the one named
    else:
        org = get_object_or_404(Organization, code=request.GET.get("org", ""), is_active=True)
    form = FeedbackForm(request.POST or None)
    if (response := _take(request, form, org, item)) is not None:
        return response
    return render(request, "feedback/new.html", {"form": form, "org": org, "item": item})


@routes("feedback/objection/new/", name="objection_new")
def objection_new(request: HttpRequest) -> HttpResponse:
    """Raise an objection (异议) to a publicity item while its period runs, signed in or
    anonymously; afterwards (or for an item without a period) the page says why not."""
    item = _item_asked_for(request)
    if item is None:
        raise Http404
    form = ObjectionForm(request.POST or None)
    if (response := _take(request, form, item.organization, item, objection=True)) is not None:
        return response
    return render(request, "feedback/objection_new.html", {
        "form": form, "item": item, "org": item.organization,
        "refusal": services.objection_refusal(item)})


@routes("feedback/thanks/")
def thanks(request: HttpRequest) -> HttpResponse:
    codes = request.session.get(SESSION_CODES, [])
    if not codes:
        return redirect("feedback:track")
    objection = Feedback.objects.filter(tracking_code=codes[0], is_objection=True).exists()
    return render(request, "feedback/thanks.html", {"code": codes[0], "objection": objection})


@routes("feedback/track/")
def track(request: HttpRequest) -> HttpResponse:
    form = TrackForm(request.GET or None)
    feedback = None
    if form.is_valid():
        # Every lookup counts against the address; one that finds its feedback is taken
        # back, so guessing codes runs into the limit and people checking theirs do not.
        verdict = ratelimit.hit(request, "feedback.track")
        if not verdict.allowed:
            return ratelimit.too_many(request, retry_after=verdict.retry_after)
        feedback = Feedback.objects.select_related("organization", "item").filter(
            tracking_code=form.cleaned_data["code"]).first()
        if feedback is None:
            form.add_error("code", _("No feedback has this tracking code."))
        else:
            ratelimit.undo(verdict)
    # A tracking code shows the item it is about only where everyone may read the item.
    item = feedback.item if feedback is not None and feedback.item_id else None
    shown_item = item if item is not None and can_view(AnonymousUser(), item) else None
    return render(request, "feedback/track.html", {"form": form, "feedback": feedback,
                                                   "shown_item": shown_item})


@routes("feedback/mine/")
@login_required
def mine(request: AuthedRequest) -> HttpResponse:
    rows = Feedback.objects.filter(author=request.user).select_related("organization", "item")
    page = paginate(request, rows)
    return render(request, "feedback/mine.html", {"page": page})


@routes("feedback/inbox/")
@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    if not permissions.may_open_inbox(request.user):
        raise Http404
    rows = permissions.handled_feedback(request.user)
    state = request.GET.get("state", "")
    if state in Feedback.State.values:
        rows = rows.filter(state=state)
    objections_only = request.GET.get("kind") == "objection"
    if objections_only:
        rows = rows.filter(is_objection=True)
    rows = rows.select_related("organization", "item").order_by("due_date", "pk") if (
        state in ("", "received", "accepted", "in_progress")) else rows.select_related(
        "organization", "item")
    page = paginate(request, rows)
    return render(request, "feedback/inbox.html", {
        "page": page, "chosen": state, "statuses": Feedback.State.choices,
        "orgs": user_organizations(request.user, "publish"),
        "objections_only": objections_only,
    })


@routes("feedback/inbox/record/", name="record")
@login_required
def record_offline(request: AuthedRequest) -> HttpResponse:
    orgs = user_organizations(request.user, "publish")
    org = pick_organization(request, orgs)
    form = OfflineFeedbackForm(request.POST or None)
    made = submit(request, form, lambda data: services.feedback_record_offline(
        organization=org, actor=request.user, **data))
    if made.ok:
        messages.success(request, _("Recorded with tracking code %(code)s.") % {
            "code": made.value.tracking_code})
        return redirect("feedback:detail", pk=made.value.pk)
    return render(request, "feedback/record.html", {"form": form, "org": org, "orgs": orgs})


@routes("feedback/<int:pk>/")
@login_required
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    feedback = selectors.feedback_for_user(request.user, pk)
    actions = workflow.available_actions(request.user, feedback)
    # What the page says about the item is rechecked now: a reader who lost the item (left
    # the organization, a grant that ended) sees their feedback without it.
    item = feedback.item
    if item is not None and not can_view(request.user, item):
        item = None
    return render(request, "feedback/detail.html", {
        "feedback": feedback, "actions": actions, "item": item,
        "consent_form": ConsentForm(initial={
            "allow_publish": feedback.allow_publish,
            "allow_publish_question": feedback.allow_publish_question,
        }) if item is not None and permissions.decides_consent(request.user, feedback) else None,
        "objections_page": bool(feedback.is_objection and feedback.item
                                and permissions.may_see_objections(request.user,
                                                                   feedback.item)),
        "steps": [step for step in Feedback.workflow.steps if step in actions],
        "form": _handle_form(feedback, actions),
        "check_form": PublicationCheckForm(),
        "decline_form": DeclineForm() if "reject" in actions else None,
        "reopen_form": ReopenForm() if "reopen" in actions else None,
        "history": feedback.history.select_related("history_user").order_by("history_date"),
        "decisions": _decisions(feedback),
    })


def _decisions(feedback: Feedback) -> list:
    """The decisions not to accept and their taking back, with their reasons, oldest first:
    shown beside the states of the handling record, also after they were taken back."""
    events = list(workflow.events_of(feedback).filter(action__in=["reject", "reopen"]))
    for event in events:
        event.label = Feedback.workflow[event.action].label
    return events


def _handle_form(feedback: Feedback, actions) -> HandleForm:
    """The handling form; it asks for the attestation for publication only where a reply
    could be published (a reply to feedback on an item)."""
    form = HandleForm()
    if "reply" not in actions or feedback.item_id is None:
        del form.fields["confidentiality_checked"]
    return form


@routes("feedback/<int:pk>/consent/", name="consent")
@login_required
@require_POST
def consent(request: AuthedRequest, pk: int) -> HttpResponse:
    """The submitter decides again whether their question and the answer are published."""
    feedback = selectors.feedback_for_user(request.user, pk)
    if not permissions.decides_consent(request.user, feedback):
        raise Http404
    form = ConsentForm(request.POST)
    submit(request, form, lambda data: services.feedback_consent(
        feedback_id=feedback.pk, actor=request.user, **data),
        success=_("Your choice is saved; publication under the item follows it from now on."))
    return redirect("feedback:detail", pk=feedback.pk)


@routes("feedback/<int:pk>/publication-check/", name="publication_check")
@login_required
@require_POST
def publication_check(request: AuthedRequest, pk: int) -> HttpResponse:
    """The confidentiality check for publication, attested after the reply."""
    feedback = selectors.feedback_for_user(request.user, pk)
    form = PublicationCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Publishing requires attesting that the confidentiality "
                                  "check was done."))
    else:
        attempt(request, lambda: services.feedback_check_publication(
            feedback_id=pk, actor=request.user, confidentiality_checked=True),
            success=_("Attested: the answer is published under the item as far as the "
                      "submitter consents."))
    return redirect("feedback:detail", pk=feedback.pk)


# The step in the URL → its service and the name of the text argument it takes.
# Not accepting (不予受理) has its own page with its reason and a confirmation: ``decline``.
HANDLING = {"accept": (services.feedback_accept, ""), "start": (services.feedback_start, ""),
            "reply": (services.feedback_reply, "reply"), "close": (services.feedback_close, "")}


def handled_message(step: str) -> str:
    """What a handling step did and what comes next."""
    texts = {
        "accept": _("Accepted. Reply by the due date; the submitter follows it with the "
                    "tracking code."),
        "start": _("Marked as in progress. Reply once it is handled."),
        "reject": _("Marked as not accepted; the submitter will see your reason."),
        "reply": _("Replied; the submitter will be notified."),
        "close": _("Closed; nothing more is needed."),
    }
    return texts.get(step, _("Done."))


@routes("feedback/<int:pk>/<feedback_step:step>/")
@login_required
@require_POST
def handle(request: AuthedRequest, pk: int, step: str) -> HttpResponse:
    feedback = selectors.feedback_for_user(request.user, pk)
    service, text_argument = HANDLING[step]
    text: dict[str, str | bool] = (
        {text_argument: posted_text(request, HandleForm, "text")} if text_argument else {})
    if step == "reply":  # the replier's attestation for publishing under the item
        form = HandleForm(request.POST)
        text["confidentiality_checked"] = bool(
            form.is_valid() and form.cleaned_data["confidentiality_checked"])
    done = attempt(request, lambda: service(feedback_id=pk, actor=request.user, **text),
                   success=handled_message(step))
    if done.ok and step == "reply" and done.value.consented_but_unchecked:
        messages.warning(request, _(
            "The answer was sent to the submitter. Nothing of it is published under the "
            "item: the confidentiality check for publication was not attested."))
    return redirect("feedback:detail", pk=feedback.pk)


def _handled(request: AuthedRequest, pk: int, action: str) -> Feedback:
    """Load feedback for a handling page: 404 unless the user may see it and holds the
    step's right (the state is the service's to check)."""
    feedback = selectors.feedback_for_user(request.user, pk)
    if not workflow.has_right(request.user, feedback, action):
        raise Http404
    return feedback


@routes("feedback/<int:pk>/decline/", name="decline")
@login_required
def decline(request: AuthedRequest, pk: int) -> HttpResponse:
    """不予受理 in two steps: the reason (its own form, apart from the reply), then a
    confirmation naming who is told what. Only the confirmed post changes anything."""
    feedback = _handled(request, pk, "reject")
    try:
        workflow.check(feedback, "reject", request.user)
    except TransitionError as error:
        messages.error(request, str(error))
        return redirect("feedback:detail", pk=feedback.pk)
    form = DeclineForm(request.POST or None)
    if request.method != "POST" or "edit" in request.POST or not form.is_valid():
        return render(request, "feedback/decline.html", {"feedback": feedback, "form": form})
    reason = form.cleaned_data["reason"]
    if request.POST.get("confirm") != "yes":
        return render(request, "disclosure/confirm.html",
                      _decline_confirmation(feedback, reason))
    done = attempt(request, lambda: services.feedback_reject(
        feedback_id=feedback.pk, actor=request.user, reason=reason), form=form,
        success=_("Not accepted. The submitter is told with your reason. If this was a "
                  "mistake, reopen the feedback from its page, with a reason."))
    if not done.ok:
        return render(request, "feedback/decline.html", {"feedback": feedback, "form": form})
    return redirect("feedback:detail", pk=feedback.pk)


def _decline_confirmation(feedback: Feedback, reason: str) -> dict:
    if feedback.author is not None:
        told = _("%(name)s, who submitted it, is notified in the portal that it is not "
                 "accepted, with the reason below.") % {"name": feedback.author.display_name}
    else:
        told = _("Whoever checks its tracking code %(code)s sees that it is not accepted, "
                 "with the reason below; the submitter has no account to notify.") % {
                     "code": feedback.tracking_code}
    happens = [_("%(kind)s %(code)s is marked “not accepted” and needs no reply.") % {
        "kind": feedback.kind_label, "code": feedback.tracking_code}, told]
    if feedback.author is None and feedback.channel != Feedback.Channel.ONLINE:
        happens.append(_("It came by %(channel)s: tell the submitter through it as well.")
                       % {"channel": feedback.get_channel_display()})
    if feedback.is_objection:
        happens.append(_("The objection counts as handled for the conclusion of the item's "
                         "publicity."))
    return {
        "heading": _("Do not accept %(kind)s %(code)s?") % {
            "kind": feedback.kind_label, "code": feedback.tracking_code},
        "happens": happens, "quoted": reason, "quoted_label": _("Reason for not accepting"),
        "hidden": [("reason", reason)],
        "final": _("A decision taken by mistake can be taken back from the feedback's page, "
                   "with a reason; the decision stays in the handling record."),
        "button": _("Do not accept and tell the submitter"),
        "edit_label": _("Change the reason"),
        "action_url": reverse("feedback:decline", args=[feedback.pk]),
        "back_url": feedback.get_absolute_url(), "back_label": feedback.tracking_code,
    }


@routes("feedback/<int:pk>/reopen/", name="reopen")
@login_required
@require_POST
def reopen(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take back a decision not to accept, with the reason (the submitter is told)."""
    feedback = _handled(request, pk, "reopen")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the decision is taken back."))
        return redirect("feedback:detail", pk=feedback.pk)
    attempt(request, lambda: services.feedback_reopen(
        feedback_id=feedback.pk, actor=request.user, reason=form.cleaned_data["reason"]),
        success=_("Reopened: the feedback is accepted again and awaits its reply by "
                  "%(due)s. The submitter is told; the earlier decision stays in the "
                  "handling record.") % {"due": formats.date_format(feedback.due_date,
                                                                    "DATE_FORMAT")})
    return redirect("feedback:detail", pk=feedback.pk)


@routes("feedback/objections/<int:pk>/", name="objections")
@login_required
def item_objections(request: AuthedRequest, pk: int) -> HttpResponse:
    """The objections raised against one publicity item, for its organization and its
    supervisors, and the form where the organization records its conclusion on them."""
    item = item_selectors.item_for_user(request.user, pk)
    if not permissions.may_see_objections(request.user, item):
        raise Http404
    form = ConclusionForm(request.POST or None)
    made = submit(request, form, lambda data: item_services.publicity_conclude(
        item_id=item.pk, actor=request.user, conclusion=data["conclusion"],
        confidentiality_checked=data["confidentiality_checked"]),
        success=_("The result is recorded and published with the item."))
    if made.ok:
        return redirect(made.value)
    rows = permissions.objections_seen(request.user, item).select_related("organization",
                                                                          "item")
    return render(request, "feedback/objections.html", {
        "item": item, "form": form, "page": paginate(request, rows.order_by("received_at",
                                                                            "pk")),
        "actions": workflow.available_actions(request.user, item),
    })
