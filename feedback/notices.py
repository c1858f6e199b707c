"""Texts of the notifications about feedback and rectification orders, rendered in the
reader's language after loading the target through its permission home."""

from __future__ import annotations

from django.utils import formats

# Marked for translation only: the texts are translated when a notification is read.
from django.utils.translation import gettext_noop as _

from portal.notifications import register_texts

from .models import Feedback, RectificationOrder


def _due(target) -> str:
    return formats.date_format(target.due_date, "DATE_FORMAT")


register_texts(Feedback, {
    "feedback.received": (_("New feedback"),
                          _("%(org)s received feedback %(code)s; reply by %(due)s.")),
    "feedback.answered": (_("Your feedback was answered"),
                          _("%(org)s answered your feedback %(code)s.")),
    "feedback.due_soon": (_("Feedback reply due soon"),
                          _("Feedback %(code)s to %(org)s must be answered by %(due)s.")),
    "feedback.overdue": (_("Feedback reply overdue"),
                         _("Feedback %(code)s to %(org)s was due on %(due)s.")),
    "feedback.escalated": (_("Overdue feedback escalated"),
                           _("Feedback %(code)s to %(org)s is still unanswered since %(due)s. "
                              "Please follow up.")),
}, lambda f: {"org": f.organization.name, "code": f.tracking_code, "due": _due(f)})

register_texts(RectificationOrder, {
    "rectification.ordered": (_("Rectification ordered"),
                              _("%(org)s is to rectify a finding by %(due)s.")),
    "rectification.responded": (_("Rectification to verify"),
                                _("%(org)s responded to a rectification order.")),
    "rectification.verified": (_("Rectification verified"),
                               _("The rectification order of %(org)s was verified.")),
    "rectification.due_soon": (_("Rectification due soon"),
                               _("%(org)s must complete a rectification by %(due)s.")),
    "rectification.overdue": (_("Rectification overdue"),
                              _("%(org)s has not completed a rectification due on %(due)s.")),
    "rectification.escalated": (_("Overdue rectification escalated"),
                                _("%(org)s is still overdue with a rectification due on "
                                   "%(due)s. Please follow up.")),
}, lambda o: {"org": o.organization.name, "due": _due(o)})
