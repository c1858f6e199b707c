"""Texts of the notifications about items, obligations and the records around them.

Each text is rendered in the recipient's language when read, after loading its target
through the record's permission home: a person who lost access reads a neutral sentence
with no title and no link.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats

# Marked for translation only: the texts are translated when a notification is read.
from django.utils.translation import gettext_noop as _

from portal.notifications import register_texts

from .models import (
    ChangeRequest,
    DisclosureItem,
    DisclosureRequest,
    NonDisclosureFiling,
    Obligation,
    WorkPlan,
)
from .permissions import can_file


def _date(value) -> str:
    return formats.date_format(value, "DATE_FORMAT")


register_texts(DisclosureItem, {
    "item.submitted": (_("An item awaits your review"),
                       _("%(org)s submitted “%(title)s” for review.")),
    "item.approved": (_("Your item was approved"),
                      _("“%(title)s” was approved; it can now be published.")),
    "item.returned": (_("Your item was returned"), _("“%(title)s” was returned for revision.")),
    "item.internal": (_("New intra-party disclosure"),
                      _("%(org)s published “%(title)s” within the party.")),
    "item.public": (_("Item published to the public"),
                    _("“%(title)s” was published to the public.")),
}, lambda item: {"title": item.title, "org": item.organization.name})


def _obligation_url(obligation: Obligation, notification) -> str:
    """Officers go to the prepared draft (or their workspace); others get no link."""
    if not can_file(notification.recipient, obligation):
        return ""
    if obligation.draft_id:
        return reverse("disclosure:item_detail", args=[obligation.draft_id])
    return reverse("disclosure:workspace") + f"?org={obligation.organization.code}"


register_texts(Obligation, {
    "obligation.due_soon": (_("Disclosure due soon"),
                            _("%(org)s must disclose “%(entry)s” (period from %(period)s) by "
                               "%(due)s.")),
    "obligation.overdue": (_("Disclosure overdue"),
                           _("%(org)s has not disclosed “%(entry)s” (period from %(period)s), "
                              "due on %(due)s.")),
    "obligation.escalated": (_("Overdue disclosure escalated"),
                             _("%(org)s is still overdue with “%(entry)s” (period from "
                                "%(period)s), due on %(due)s. Please follow up.")),
}, lambda o: {"org": o.organization.name, "entry": o.entry.title, "due": _date(o.due_date),
              "period": _date(o.period_start)}, _obligation_url)


def _filing_url(filing: NonDisclosureFiling, notification) -> str:
    if notification.kind == "filing.received":
        return reverse("disclosure:review_inbox")
    return reverse("disclosure:workspace") + f"?org={filing.obligation.organization.code}"


register_texts(NonDisclosureFiling, {
    "filing.received": (_("Non-disclosure filing to acknowledge"),
                        _("%(org)s filed that “%(entry)s” cannot be disclosed for now.")),
    "filing.decided": (_("Non-disclosure filing decided"),
                       _("The filing of %(org)s on “%(entry)s”: %(state)s.")),
}, lambda f: {"org": f.obligation.organization.name, "entry": f.obligation.entry.title,
              "state": f.get_state_display()}, _filing_url)

register_texts(DisclosureRequest, {
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
}, lambda r: {"org": r.organization.name, "subject": r.subject,
              "state": r.get_state_display(), "due": _date(r.due_date)})

register_texts(ChangeRequest, {
    "change.requested": (_("Change request to approve"),
                         _("%(org)s asks for approval: %(kind)s.")),
    "change.decided": (_("Change request decided"),
                       _("The request of %(org)s (%(kind)s): %(state)s.")),
}, lambda c: {"org": c.item.organization.name, "kind": c.get_kind_display(),
              "state": c.get_state_display()})

register_texts(WorkPlan, {
    "workplan.submitted": (_("Out-of-catalog work plan to approve"),
                           _("%(org)s submitted a work plan for “%(title)s”.")),
    "workplan.decided": (_("Out-of-catalog work plan decided"),
                         _("The work plan for “%(title)s”: %(state)s.")),
}, lambda p: {"org": p.organization.name, "title": p.title, "state": p.get_state_display()})
