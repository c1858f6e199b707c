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
from portal.notifications import Rendered, register
from portal.roles import has_org_perm, supervises

from .models import DisclosureItem, Obligation
from .visibility import visible_items

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


def _hidden() -> Rendered:
    return Rendered(_("Notification"), _("This notification is no longer available to you."))


def load_items(ids: list[int], recipient) -> dict[int, DisclosureItem]:
    """Return the items among ``ids`` that the recipient may see, in one query."""
    return visible_items(recipient).select_related("organization").in_bulk(ids)


def load_obligations(ids: list[int], recipient) -> dict[int, Obligation]:
    return Obligation.objects.select_related("organization", "entry").in_bulk(ids)


def render_item(notification: Notification, item) -> Rendered:
    if item is None:
        return _hidden()
    values = {"title": item.title, "org": item.organization.name}
    return Rendered(
        _(ITEM_SUBJECTS[notification.kind]),
        _(ITEM_TEXTS[notification.kind]) % values,
        reverse("disclosure:item_detail", args=[item.pk]),
    )


def _may_see_obligation(user, obligation: Obligation) -> bool:
    org = obligation.organization
    return (has_org_perm(user, "publish", org) or has_org_perm(user, "review", org.parent_id)
            or supervises(user, org))


def render_obligation(notification: Notification, obligation) -> Rendered:
    if obligation is None or not _may_see_obligation(notification.recipient, obligation):
        return _hidden()
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
    if has_org_perm(notification.recipient, "publish", obligation.organization):
        url = (reverse("disclosure:item_detail", args=[obligation.draft_id])
               if obligation.draft_id else
               reverse("disclosure:workspace") + f"?org={obligation.organization.code}")
    return Rendered(subject, body % values, url)


for kind in ITEM_TEXTS:
    register(kind, render_item, load_items)
for stage in ("due_soon", "overdue", "escalated"):
    register(f"obligation.{stage}", render_obligation, load_obligations)
