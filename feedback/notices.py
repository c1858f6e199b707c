"""Texts of the notifications about feedback, rendered in the reader's language."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from portal.models import Notification
from portal.notifications import Rendered, hidden, register, visible_loader

from .models import Feedback, RectificationOrder


def render(notification: Notification, feedback) -> Rendered:
    if feedback is None:
        return hidden()
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
    register(kind, render, visible_loader(Feedback))


def render_order(notification: Notification, order) -> Rendered:
    if order is None:
        return hidden()
    values = {"org": order.organization.name,
              "due": formats.date_format(order.due_date, "DATE_FORMAT")}
    texts = {
        "rectification.ordered": (_("Rectification ordered"),
                                  _("%(org)s is to rectify a finding by %(due)s.")),
        "rectification.responded": (_("Rectification to verify"),
                                    _("%(org)s responded to a rectification order.")),
        "rectification.verified": (_("Rectification verified"),
                                   _("The rectification order of %(org)s was verified.")),
        "rectification.due_soon": (_("Rectification due soon"),
                                   _("%(org)s must complete a rectification by %(due)s.")),
        "rectification.overdue": (_("Rectification overdue"),
                                  _("%(org)s has not completed a rectification due on "
                                    "%(due)s.")),
        "rectification.escalated": (_("Overdue rectification escalated"),
                                    _("%(org)s is still overdue with a rectification due on "
                                      "%(due)s. Please follow up.")),
    }
    subject, body = texts[notification.kind]
    return Rendered(subject, body % values, reverse("feedback:order_detail", args=[order.pk]))


for kind in ("rectification.ordered", "rectification.responded", "rectification.verified",
             "rectification.due_soon", "rectification.overdue", "rectification.escalated"):
    register(kind, render_order, visible_loader(RectificationOrder))
