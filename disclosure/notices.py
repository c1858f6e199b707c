"""Texts of the notifications about items and obligations.

Each renderer runs in the recipient's language and re-checks what the recipient may see: a
person who lost access reads a neutral sentence with no title and no link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from portal.models import Notification
from portal.notifications import Rendered, hidden, register, visible_loader

from .models import (
    ChangeRequest,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
    WorkPlan,
)
from .permissions import can_file

ITEM_TEXTS = {
    "item.submitted": gettext_noop("%(org)s submitted “%(title)s” for review."),
    "item.approved": gettext_noop("“%(title)s” was approved; it can now be published."),
    "item.returned": gettext_noop("“%(title)s” was returned for revision."),
    "item.internal": gettext_noop("%(org)s published “%(title)s” within the party."),
    "item.public": gettext_noop("“%(title)s” was published to the public."),
}
ITEM_SUBJECTS = {
    "item.submitted": gettext_noop("An item awaits your review"),
    "item.approved": gettext_noop("Your item was approved"),
    "item.returned": gettext_noop("Your item was returned"),
    "item.internal": gettext_noop("New intra-party disclosure"),
    "item.public": gettext_noop("Item published to the public"),
}


def render_item(notification: Notification, item) -> Rendered:
    if item is None:
        return hidden()
    values = {"title": item.title, "org": item.organization.name}
    return Rendered(
        _(ITEM_SUBJECTS[notification.kind]),
        _(ITEM_TEXTS[notification.kind]) % values,
        reverse("disclosure:item_detail", args=[item.pk]),
    )


def render_obligation(notification: Notification, obligation) -> Rendered:
    if obligation is None:
        return hidden()
    values = {
        "org": obligation.organization.name, "entry": obligation.entry.title,
        "due": formats.date_format(obligation.due_date, "DATE_FORMAT"),
        "period": formats.date_format(obligation.period_start, "DATE_FORMAT"),
    }
    stage = notification.kind.split(".", 1)[1]
    if stage == "due_soon":
        subject = _("Disclosure due soon")
        body = _("%(org)s must disclose “%(entry)s” (period from %(period)s) by %(due)s.")
    elif stage == "overdue":
        subject = _("Disclosure overdue")
        body = _("%(org)s has not disclosed “%(entry)s” (period from %(period)s), "
                 "due on %(due)s.")
    else:
        subject = _("Overdue disclosure escalated")
        body = _("%(org)s is still overdue with “%(entry)s” (period from %(period)s), "
                 "due on %(due)s. Please follow up.")
    url = ""
    if can_file(notification.recipient, obligation):
        url = (reverse("disclosure:item_detail", args=[obligation.draft_id])
               if obligation.draft_id else
               reverse("disclosure:workspace") + f"?org={obligation.organization.code}")
    return Rendered(subject, body % values, url)


for kind in ITEM_TEXTS:
    register(kind, render_item, visible_loader(DisclosureItem))
for stage in ("due_soon", "overdue", "escalated"):
    register(f"obligation.{stage}", render_obligation, visible_loader(Obligation))


def render_filing(notification: Notification, filing) -> Rendered:
    if filing is None:
        return hidden()
    values = {"org": filing.obligation.organization.name, "entry": filing.obligation.entry.title,
              "state": filing.get_state_display()}
    if notification.kind == "filing.received":
        return Rendered(_("Non-disclosure filing to acknowledge"),
                        _("%(org)s filed that “%(entry)s” cannot be disclosed for now.") % values,
                        reverse("disclosure:review_inbox"))
    return Rendered(_("Non-disclosure filing decided"),
                    _("The filing of %(org)s on “%(entry)s”: %(state)s.") % values,
                    reverse("disclosure:workspace") + f"?org={filing.obligation.organization.code}")


def render_request(notification: Notification, request) -> Rendered:
    if request is None:
        return hidden()
    values = {"org": request.organization.name, "subject": request.subject,
              "state": request.get_state_display(),
              "due": formats.date_format(request.due_date, "DATE_FORMAT")}
    url = reverse("disclosure:request_detail", args=[request.pk])
    texts = {
        "request.received": (_("New disclosure request"),
                             _("A member applied to %(org)s for “%(subject)s”; answer by "
                               "%(due)s.")),
        "request.answered": (_("Your disclosure request was answered"),
                             _("%(org)s answered your request “%(subject)s”: %(state)s.")),
        "request.filed": (_("Answer to a disclosure request filed"),
                          _("%(org)s answered a request “%(subject)s”: %(state)s.")),
        "request.due_soon": (_("Disclosure request due soon"),
                             _("The request “%(subject)s” to %(org)s must be answered by "
                               "%(due)s.")),
        "request.overdue": (_("Disclosure request overdue"),
                            _("The request “%(subject)s” to %(org)s was due on %(due)s.")),
        "request.escalated": (_("Overdue disclosure request escalated"),
                              _("The request “%(subject)s” to %(org)s is unanswered since "
                                "%(due)s. Please follow up.")),
    }
    subject, body = texts[notification.kind]
    return Rendered(subject, body % values, url)


for kind in ("filing.received", "filing.decided"):
    register(kind, render_filing, visible_loader(NonDisclosureFiling))
for kind in ("request.received", "request.answered", "request.filed", "request.due_soon",
             "request.overdue", "request.escalated"):
    register(kind, render_request, visible_loader(DisclosureRequest))


def render_change(notification: Notification, change) -> Rendered:
    if change is None:
        return hidden()
    values = {"org": change.item.organization.name, "kind": change.get_kind_display(),
              "state": change.get_state_display()}
    url = reverse("disclosure:change_detail", args=[change.pk])
    if notification.kind == "change.requested":
        return Rendered(_("Change request to approve"),
                        _("%(org)s asks for approval: %(kind)s.") % values, url)
    return Rendered(_("Change request decided"),
                    _("The request of %(org)s (%(kind)s): %(state)s.") % values, url)


for kind in ("change.requested", "change.decided"):
    register(kind, render_change, visible_loader(ChangeRequest))


def render_plan(notification: Notification, plan) -> Rendered:
    if plan is None:
        return hidden()
    values = {"org": plan.organization.name, "title": plan.title,
              "state": plan.get_state_display()}
    url = reverse("disclosure:plan_detail", args=[plan.pk])
    if notification.kind == "workplan.submitted":
        return Rendered(_("Out-of-catalog work plan to approve"),
                        _("%(org)s submitted a work plan for “%(title)s”.") % values, url)
    return Rendered(_("Out-of-catalog work plan decided"),
                    _("The work plan for “%(title)s”: %(state)s.") % values, url)


for kind in ("workplan.submitted", "workplan.decided"):
    register(kind, render_plan, visible_loader(WorkPlan))
