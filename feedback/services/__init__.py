"""The one write path of the feedback app, one module per workflow: feedback and its
handling, rectification orders, and evaluation campaigns."""

from .evaluation import ballot_cast, campaign_close, campaign_open
from .feedback import (
    address_hash,
    check_rate,
    clean_text,
    feedback_accept,
    feedback_close,
    feedback_record_offline,
    feedback_reject,
    feedback_reply,
    feedback_start,
    feedback_submit,
    pending_feedback,
    reply_due,
)
from .rectification import rectification_order, rectification_respond, rectification_verify

__all__ = [
    "address_hash", "ballot_cast", "campaign_close", "campaign_open", "check_rate",
    "clean_text", "feedback_accept", "feedback_close", "feedback_record_offline",
    "feedback_reject", "feedback_reply", "feedback_start", "feedback_submit",
    "pending_feedback", "rectification_order", "rectification_respond",
    "rectification_verify", "reply_due",
]
