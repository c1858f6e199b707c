"""Pages of the item workflow. Views are thin: load through selectors, act through services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.context_processors import csrf
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import CatalogEntry
from portal import workflow
from portal.downloads import protected_download
from portal.http import (
    AuthedRequest,
    StrOrPromise,
    attempt,
    flash_errors,
    form_page,
    pick_organization,
    posted_text,
)
from portal.idempotency import once
from portal.models import Organization
from portal.pagecache import PART_HEADER, office_part, public_page, reader_part
from portal.pagination import paginate
from portal.permissions import can_view
from portal.roles import user_organizations
from portal.routing import Routes

from .. import exports, obligations, permissions, search, selectors, services
from ..forms import (
    AttachmentForm,
    CommentForm,
    ItemFilterForm,
    ItemForm,
    PlanPublicForm,
    ReviewForm,
    WorkspaceFilterForm,
)
from ..models import DisclosureItem, Obligation, Review, State
from ..uploads import refuse_stray_files, takes_no_files
from ..visibility import (
    can_draft,
    can_manage,
    can_see_workflow,
    items_to_review,
    reader_scope,
    reviews_anything,
    visible_items,
)
from .catalog_pages import annual_plan_form
from .changes import withdrawn_notice

routes = Routes()


@routes("items/")
@public_page
def item_list(request: HttpRequest) -> HttpResponse:
    def draw() -> str:
        form = ItemFilterForm(request.GET or None)
        items = selectors.browse_items(request.user)
        query = ""
        if form.is_valid():
            items = selectors.filter_items(items, form.cleaned_data)
            query = form.cleaned_data["q"].strip()
        page = paginate(request, items)
        if query:
            for item in page.object_list:
                item.title_marked = search.highlight(item.title, query)
                item.snippet = search.highlight(search.plain(item.body), query, length=120)
        return render_to_string("disclosure/_item_list_part.html", {
            "form": form, "page": page, "query": query, "request": request,
        })

    return with_part(request, "disclosure/item_list.html", draw)


def with_part(request: HttpRequest, template: str, draw, context: dict | None = None,
              scope: str | None = None) -> HttpResponse:
    """Render ``template`` around the part ``draw`` renders, kept for readers who see the
    same (:func:`portal.pagecache.reader_part`; ``scope`` when the caller has it)."""
    part = reader_part(request, scope or reader_scope(request.user), draw)
    return _around(request, template, part, context)


def with_office_part(request: HttpRequest, template: str, draw) -> HttpResponse:
    """Render ``template`` around the part ``draw`` renders, kept for this officer until a
    record changes (:func:`portal.pagecache.office_part`)."""
    return _around(request, template, office_part(request, draw))


def _around(request: HttpRequest, template: str, part, context: dict | None = None,
            ) -> HttpResponse:
    response = render(request, template, {**(context or {}), "part": part})
    if (state := getattr(request, "part_cache", None)) is not None:
        response[PART_HEADER] = state
    return response


@routes("items/export.<export_format:fmt>")
def item_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """Export the list the user sees, with the same filters, as CSV or Excel."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form = ItemFilterForm(request.GET or None)
    items = selectors.browse_items(request.user)
    if form.is_valid():
        items = selectors.filter_items(items, form.cleaned_data)
    name = f"disclosures-{timezone.localdate():%Y%m%d}"
    return exports.as_xlsx(items, name) if fmt == "xlsx" else exports.as_csv(items, name)


@routes("items/<int:pk>/")
@public_page
def item_detail(request: HttpRequest, pk: int, review_form=None) -> HttpResponse:
    scope = reader_scope(request.user) if request.method == "GET" else None
    if scope is not None:
        # A reader without office: whether they may read the item is asked on every
        # request; the item itself is loaded only when its part is drawn. A withdrawn
        # item goes the long way, to its notice.
        found = selectors.item_heading(request.user, pk)
        if found is not None and found[1] is None:
            return with_part(request, "disclosure/item_detail.html", lambda: render_to_string(
                "disclosure/_item_detail_part.html",
                _detail_context(request, selectors.item_for_user(request.user, pk))),
                {"item": {"title": found[0]}}, scope=scope)
    try:
        item = selectors.item_for_user(request.user, pk)
    except Http404:
        withdrawn = selectors.withdrawn_notice_item(request.user, pk)
        if withdrawn is None:
            raise
        return withdrawn_notice(request, withdrawn)
    if item.is_withdrawn and not can_see_workflow(request.user, item):
        return withdrawn_notice(request, item)  # 撤销: the content is down for its readers too

    def draw() -> str:
        return render_to_string("disclosure/_item_detail_part.html",
                                _detail_context(request, item, review_form))

    # For a reader without office all the part shows follows from the item, its records
    # and what the reader may see: kept for readers who see the same.
    return with_part(request, "disclosure/item_detail.html", draw, {"item": item})


def _detail_context(request: HttpRequest, item: DisclosureItem, review_form=None) -> dict:
    user = request.user
    actions = workflow.available_actions(user, item)
    reviews = list(item.reviews.select_related("actor")) if can_see_workflow(user, item) else []
    context = {
        "item": item,
        "attachments": list(item.attachments.all()),
        "actions": actions,
        "can_manage": can_manage(user, item),
        "changes": list(item.change_requests.filter(state="approved").order_by("decided_at")),
        "stages": _stages(user, item),
        "can_read_archive": _archive_readable(user, item),
        "reviews": reviews,
        "return_review": _latest_return(item, reviews),
        **_ledger(user, item),
        "annual_plan_form": annual_plan_form(user, item),
        # The officers' forms; a kept part never holds a token (reader_part refuses it).
        **csrf(request),
    }
    if "edit" in actions:
        context["attachment_form"] = AttachmentForm()
    if "plan_public" in actions:
        context["plan_form"] = PlanPublicForm(earliest=item.earliest_public_at())
    if "approve" in actions:
        context["review_form"] = review_form or ReviewForm()
    return context


def _latest_return(item: DisclosureItem, reviews: list[Review]) -> Review | None:
    """The review that sent a returned item back (its reason heads the actions), from the
    trail its reader may read."""
    if item.state != State.RETURNED:
        return None
    returns = [r for r in reviews if r.action == Review.Action.RETURN]
    return returns[-1] if returns else None


def _ledger(user, item: DisclosureItem) -> dict:
    """The item's offline ledger records the user may see, and for its secretaries the
    offline carriers its entry requires that have no record yet."""
    from ..ledger import missing_for_item
    from ..permissions import can_record, visible_ledger

    records = list(visible_ledger(user).filter(item=item).order_by("-date", "-pk"))
    recordable = can_record(user, item.organization_id) and item.state not in (
        State.DRAFT, State.SUBMITTED, State.RETURNED)
    return {"ledger_records": records, "can_record_ledger": recordable,
            "ledger_missing": missing_for_item(item) if recordable else []}


@routes("attachments/<int:pk>/")
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    return protected_download(selectors.attachment_for_user(request.user, pk))


@routes("mine/")
@login_required
def member_items(request: AuthedRequest) -> HttpResponse:
    def draw() -> str:
        return render_to_string("disclosure/_member_items_part.html", {
            "organizations": user_organizations(request.user, "view_internal"),
            "page": paginate(request, selectors.member_items(request.user)),
            "request": request,
        })

    return with_part(request, "disclosure/member_items.html", draw)


@routes("workspace/")
@login_required
def workspace(request: AuthedRequest) -> HttpResponse:
    orgs = user_organizations(request.user, "publish")
    org = pick_organization(request, orgs)

    def draw(context: dict) -> str:
        form = WorkspaceFilterForm(request.GET or None)
        items = visible_items(request.user).filter(organization=org).select_related(
            "organization", "entry"
        ).order_by("-updated_at", "-pk")
        counts = dict(items.order_by().values_list("state").annotate(n=Count("pk")))
        total = sum(counts.values())
        if form.is_valid() and form.cleaned_data["state"]:
            items = items.filter(state=form.cleaned_data["state"])
            total = counts.get(form.cleaned_data["state"], 0)
        return render_to_string("disclosure/_workspace_part.html", {
            **context, "org": org, "orgs": orgs, "form": form, "request": request,
            "page": paginate(request, items, count=total),
            "entries": CatalogEntry.objects.listed_for(org),
            "state_counts": [(s, counts.get(s.value, 0)) for s in State],
            "calendar": obligations.calendar_for(org),
        })

    return with_office_part(request, "disclosure/workspace.html", draw)


def _manageable_org(request: HttpRequest, code: str) -> Organization:
    org = get_object_or_404(Organization, code=code, is_active=True)
    if not can_draft(request.user, org):
        raise Http404
    return org


def _prepared_draft(org: Organization, entry: CatalogEntry) -> DisclosureItem | None:
    """The draft of a period of ``entry`` still owed by ``org`` (the scheduler prepares one
    for every period), due first."""
    owed = Obligation.objects.filter(
        organization=org, entry=entry, state__in=[Obligation.State.OPEN,
                                                  Obligation.State.OVERDUE],
        draft__state__in=[State.DRAFT, State.RETURNED]).select_related("draft")
    found = owed.order_by("due_date", "pk").first()
    return found.draft if found is not None else None


def _attach(item: DisclosureItem, actor, files) -> None:
    """Attach the files sent with the draft form; if one fails, none stays stored (the
    caller's transaction takes back the rows)."""
    stored: list = []
    try:
        for upload in files:
            stored.append(services.attachment_add(item_id=item.pk, actor=actor, upload=upload))
    except BaseException:
        for attachment in stored:
            attachment.file.storage.delete(attachment.file.name)
        raise


def _save_draft(save, actor, data: dict) -> DisclosureItem:
    """Run ``save(fields)`` (create or update) and attach the files, in one transaction."""
    fields = {name: value for name, value in data.items() if name != "attachments"}
    with transaction.atomic():
        item = save(fields)
        _attach(item, actor, data.get("attachments") or [])
    return item


@routes("workspace/<str:code>/new/<int:entry_id>/")
@login_required
@once
def item_create(request: AuthedRequest, code: str, entry_id: int) -> HttpResponse:
    org = _manageable_org(request, code)
    entry = get_object_or_404(CatalogEntry.objects.for_organization(org), pk=entry_id)
    if request.method != "POST" and not request.GET.get("another") and (
            draft := _prepared_draft(org, entry)) is not None:
        messages.info(request, _("A draft for this period exists already: “%(title)s”. It is "
                                 "opened here instead of a second one.") % {"title": draft.title})
        return redirect("disclosure:item_edit", pk=draft.pk)
    initial = {"title": entry.title, "body": entry.body_template}
    form = ItemForm(request.POST or None, request.FILES or None, initial=initial, entry=entry,
                    organization=org)
    refuse_stray_files(request, form)
    return form_page(request, "disclosure/item_form.html", form,
                     lambda data: _save_draft(lambda fields: services.item_create(
                         organization=org, entry=entry, actor=request.user, **fields),
                         request.user, data),
                     success=_("Draft saved."), org=org, entry=entry)


@routes("items/<int:pk>/edit/")
@login_required
def item_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_action(request.user, pk, "edit")
    if not item.allows("edit"):
        messages.error(request, _("Only a draft or a returned item can be edited."))
        return redirect("disclosure:item_detail", pk=item.pk)
    form = ItemForm(request.POST or None, request.FILES or None, instance=item,
                    entry=item.entry, organization=item.organization)
    refuse_stray_files(request, form)
    return form_page(request, "disclosure/item_form.html", form,
                     lambda data: _save_draft(lambda fields: services.item_update(
                         item_id=item.pk, actor=request.user, **fields),
                         request.user, data),
                     success=_("Draft saved."), org=item.organization, entry=item.entry,
                     item=item)


def _stages(user, item: DisclosureItem) -> list[DisclosureItem]:
    """Return the chain of stages the item belongs to, each marked whether ``user`` may
    open it (a stage the reader may not see shows as a gap, never by its title)."""
    chain = item.stages()
    for stage in chain:
        stage.visible = can_view(user, stage)  # type: ignore[attr-defined]
    return chain


def _archive_readable(user, item: DisclosureItem) -> bool:
    record = getattr(item, "archive_record", None)
    # The archive's pages are for signed-in readers; visitors see the number alone.
    return record is not None and user.is_authenticated and can_view(user, record)


def _act(request: HttpRequest, item: DisclosureItem, action,
         success: StrOrPromise) -> HttpResponse:
    attempt(request, action, success=success)
    return redirect("disclosure:item_detail", pk=item.pk)


# The step in the URL → its service and what the page says when it went through.
ITEM_STEPS = {
    "submit": (services.item_submit, gettext_lazy("Submitted for review.")),
    "publish-internal": (services.item_publish_internal,
                         gettext_lazy("Published within the party.")),
    "release-public": (services.item_release_public, gettext_lazy("Published to the public.")),
}


@routes("items/<int:pk>/<item_step:transition>/")
@login_required
@require_POST
@takes_no_files
def item_transition(request: AuthedRequest, pk: int, transition: str) -> HttpResponse:
    item = selectors.item_for_user(request.user, pk)
    service, success = ITEM_STEPS[transition]
    text = posted_text(request, CommentForm, "comment")
    return _act(request, item,
                lambda: service(item_id=item.pk, actor=request.user, comment=text), success)


def confirmed(request: HttpRequest) -> bool:
    """Whether a post comes from the button of a confirmation page."""
    return request.method == "POST" and request.POST.get("confirm") == "yes"


def _checked(request: HttpRequest, item: DisclosureItem, action: str) -> bool:
    """Check that the state allows ``action`` before its confirmation page is shown; the
    refusal goes to the item's page as a message (a missing right has already been 404)."""
    try:
        workflow.check(item, action, request.user)
    except workflow.TransitionError as error:
        messages.error(request, str(error))
        return False
    return True


@routes("items/<int:pk>/discard/")
@login_required
@require_http_methods(["GET", "POST"])
def item_discard(request: AuthedRequest, pk: int) -> HttpResponse:
    """Delete a draft after a confirmation naming it and what goes with it; a post without
    the confirmation shows the confirmation and deletes nothing."""
    item = selectors.item_for_action(request.user, pk, "discard")
    if not _checked(request, item, "discard"):
        return redirect("disclosure:item_detail", pk=item.pk)
    if confirmed(request):
        if attempt(request, lambda: services.item_discard(item_id=item.pk, actor=request.user),
                   success=_("The draft “%(title)s” was deleted with its attachments. Start "
                             "a new one from the catalog entry when needed.")
                   % {"title": item.title}).ok:
            return redirect(f"/workspace/?org={item.organization.code}")
        return redirect("disclosure:item_detail", pk=item.pk)
    return render(request, "disclosure/confirm.html", _discard_confirmation(item))


def _discard_confirmation(item: DisclosureItem) -> dict:
    names = [a.original_name for a in item.attachments.order_by("uploaded_at", "pk")]
    happens = [_("The draft “%(title)s” is deleted.") % {"title": item.title}]
    if names:
        happens.append(_("Its %(count)s attachments are deleted with it: %(names)s.")
                       % {"count": len(names), "names": "、".join(names)})
    else:
        happens.append(_("It has no attachments."))
    if item.requests.exists():
        happens.append(_("The application it was drafted to answer waits for an answer "
                         "again."))
    return {
        "heading": _("Delete this draft?"), "happens": happens,
        "final": _("Deleting cannot be undone: the text and the files are gone."),
        "button": _("Delete the draft and its attachments"),
        "action_url": reverse("disclosure:item_discard", args=[item.pk]),
        "back_url": item.get_absolute_url(), "back_label": item.title,
    }


@routes("items/<int:pk>/cancel-plan/")
@login_required
@require_POST
def item_cancel_plan(request: AuthedRequest, pk: int) -> HttpResponse:
    """Take back a planned public release; the item may be planned again."""
    item = selectors.item_for_user(request.user, pk)
    planned = item.planned_public_at
    when = formats.date_format(timezone.localtime(planned), "DATETIME_FORMAT") if (
        planned is not None) else ""
    return _act(request, item, lambda: services.item_cancel_plan(
        item_id=item.pk, actor=request.user),
        _("The public release planned for %(when)s is cancelled: the item is not released "
          "beyond the party until someone releases it or plans a new date.") % {"when": when})


@routes("items/<int:pk>/plan-public/")
@login_required
@require_POST
def item_plan_public(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_user(request.user, pk)
    form = PlanPublicForm(request.POST, earliest=item.earliest_public_at())
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("disclosure:item_detail", pk=item.pk)
    when = form.cleaned_data["when"]
    return _act(request, item,
                lambda: services.item_plan_public(item_id=item.pk, actor=request.user, when=when),
                _("Public release planned."))


@routes("items/<int:pk>/review/")
@login_required
@require_POST
def item_review(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_action(request.user, pk, "approve")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        # Keep what the reviewer wrote: show the page again with the errors.
        return item_detail(request, item.pk, review_form=form)
    data = form.cleaned_data
    if data["decision"] == "approve":
        return _act(request, item, lambda: services.item_approve(
            item_id=item.pk, actor=request.user,
            confidentiality_checked=data["confidentiality_checked"], comment=data["comment"],
        ), _("Approved."))
    return _act(request, item, lambda: services.item_return(
        item_id=item.pk, actor=request.user, comment=data["comment"]
    ), _("Returned to the organization."))


@routes("items/<int:pk>/attachments/")
@login_required
@require_POST
def attachment_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_action(request.user, pk, "edit")
    form = AttachmentForm(request.POST, request.FILES)
    refuse_stray_files(request, form)
    if not form.is_valid():
        flash_errors(request, form)
        return redirect("disclosure:item_detail", pk=item.pk)
    return _act(request, item, lambda: services.attachment_add(
        item_id=item.pk, actor=request.user, upload=form.cleaned_data["file"]
    ), _("Attachment added."))


@routes("attachments/<int:pk>/delete/")
@login_required
@require_POST
def attachment_delete(request: AuthedRequest, pk: int) -> HttpResponse:
    attachment = selectors.attachment_for_user(request.user, pk)
    item = selectors.item_for_action(request.user, attachment.item_id, "edit")
    return _act(request, item, lambda: services.attachment_remove(
        attachment_id=attachment.pk, actor=request.user), _("Attachment removed."))


@routes("review/")
@login_required
def review_inbox(request: AuthedRequest) -> HttpResponse:
    if not reviews_anything(request.user):
        raise Http404
    return with_office_part(request, "disclosure/review_inbox.html",
                            lambda context: _review_inbox_part(request, context))


def _review_inbox_part(request: AuthedRequest, context: dict) -> str:
    items = items_to_review(request.user).select_related("organization", "entry").order_by(
        "submitted_at", "pk")
    # The items this reviewer decided most recently, newest decision first.
    decided = Review.objects.filter(actor=request.user, action__in=["approve", "return"]
                                    ).order_by("-created_at").values_list("item_id", flat=True)
    recent_ids = list(dict.fromkeys(decided[:50]))[:10]
    found = {item.pk: item for item in visible_items(request.user).filter(
        pk__in=recent_ids).select_related("organization", "entry")}
    recent = [found[pk] for pk in recent_ids if pk in found]
    filings_due = permissions.filings_to_decide(request.user).select_related(
        "obligation__organization", "obligation__entry", "filed_by")
    answers = (permissions.answers_filed_with(request.user)
               .select_related("organization").order_by("-answered_at")[:20])
    return render_to_string("disclosure/_review_inbox_part.html", {
        **context, "request": request,
        "page": paginate(request, items), "recent": recent, "filings": filings_due,
        "answers": answers,
        # What else waits for this reviewer's decision, so that nothing hides behind a link.
        "plans": permissions.plans_to_decide(request.user).select_related("organization")
        .order_by("submitted_at", "pk"),
        "changes": permissions.changes_to_decide(request.user).select_related(
            "item__organization").order_by("requested_at", "pk"),
    })
