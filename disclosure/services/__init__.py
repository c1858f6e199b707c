"""The one write path of the disclosure app, one module per workflow: items, filings,
applications for disclosure, change requests and work plans. Every function here is a
``<noun>_<verb>`` service; views, tasks and the admin call nothing else to write."""

from .changes import change_decide, change_submit
from .filings import filing_acknowledge, filing_return, filing_submit
from .items import (
    EDITABLE_FIELDS,
    attachment_add,
    attachment_remove,
    expire_short_term_items,
    item_approve,
    item_archive,
    item_archive_begin,
    item_change,
    item_create,
    item_discard,
    item_expire,
    item_plan_public,
    item_publish_internal,
    item_release_public,
    item_return,
    item_submit,
    item_update,
    item_withdraw,
    release_planned_items,
    validate_item_fields,
)
from .requests import request_answer, request_submit
from .workplans import catalog_for, workplan_decide, workplan_submit

__all__ = [
    "EDITABLE_FIELDS", "attachment_add", "attachment_remove", "catalog_for", "change_decide",
    "change_submit", "expire_short_term_items", "filing_acknowledge", "filing_return",
    "filing_submit", "item_approve", "item_archive", "item_archive_begin", "item_change",
    "item_create", "item_discard", "item_expire", "item_plan_public", "item_publish_internal",
    "item_release_public", "item_return", "item_submit", "item_update", "item_withdraw",
    "release_planned_items", "request_answer", "request_submit", "validate_item_fields",
    "workplan_decide", "workplan_submit",
]
