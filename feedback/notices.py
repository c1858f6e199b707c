"""Texts of the notifications about feedback, rendered in the reader's language."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from portal.models import Notification
from portal.notifications import Rendered, register

from .models import Feedback
from .selectors import can_read


def load(ids: list[int], recipient) -> dict[int, Feedback]:
    found = Feedback.objects.select_related("organization").in_bulk(ids)
    return {pk: f for pk, f in found.items() if can_read(recipient, f)}


def render(notification: Notification, feedback) -> Rendered:
    if feedback is None:
        return Rendered(_("Notification"), _("This notification is no longer available to you."))
    values = {"org": feedback.organization.name, "code": feedback.tracking_code,
              "due": formats.date_format(feedback.due_date, "DATE_FORMAT")}
    url = reverse("feedback:detail", args=[feedback.pk])
    kind = notification.kind
    if kind == "feedback.received":
        return Rendered(_("New feedback"), _("%(org)s received feedback %(code)s; reply by "
                                            "%(due)s.") % values, url)
    if kind == "feedback.answered":
        return Rendered(_("Your feedback was answered"),
                        _("%(org)s answered your feedback %(code)s.") % values, url)
    texts = {
        "feedback.due_soon": (_("Feedback reply due soon"),
                              _("Feedback %(code)s to %(org)s must be answered by %(due)s.")),
        "feedback.overdue": (_("Feedback reply overdue"),
                             _("Feedback %(code)s to %(org)s was due on %(due)s.")),
        "feedback.escalated": (_("Overdue feedback escalated"),
                               _("Feedback %(code)s to %(org)s is still unanswered since "
                                 "%(due)s. Please follow up.")),
    }
    subject, body = texts[kind]
    return Rendered(subject, body % values, url)


for kind in ("feedback.received", "feedback.answered", "feedback.due_soon",
             "feedback.overdue", "feedback.escalated"):
    register(kind, render, load)
