"""Keep each item's search vector in step with its title, body and attachment names, the
cached counts of the lists in step with what the lists hold, and the cached item grants
in step with grants and applications."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search, selectors
from .models import (
    Attachment,
    DisclosureItem,
    DisclosureItemGroupObjectPermission,
    DisclosureItemUserObjectPermission,
    DisclosureRequest,
    State,
)
from .visibility import grants_changed

INDEXED_FIELDS = {"title", "body"}


@receiver(post_save, sender=DisclosureItem)
def item_saved(sender, instance: DisclosureItem, created: bool, update_fields=None,
               **kwargs) -> None:
    if created or update_fields is None or INDEXED_FIELDS & set(update_fields):
        search.reindex(instance.pk)
    if _may_change_lists(instance, created, update_fields):
        selectors.publication_changed()


UNLISTED_STATES = (State.DRAFT, State.SUBMITTED, State.RETURNED, State.APPROVED)


def _may_change_lists(item: DisclosureItem, created: bool, update_fields) -> bool:
    """Whether the save may have moved the item into or out of a list, or between counts.
    An item before its release is in no list, and none goes back there: writing a draft,
    its audiences included, submitting, returning and approving change no list."""
    if item.state in UNLISTED_STATES:
        return False
    return created or update_fields is None or bool(selectors.LISTED_FIELDS & set(update_fields))


@receiver(post_delete, sender=DisclosureItem)
def item_deleted(sender, instance: DisclosureItem, **kwargs) -> None:
    if instance.state not in UNLISTED_STATES:
        selectors.publication_changed()


@receiver(post_save, sender=Attachment)
@receiver(post_delete, sender=Attachment)
def attachment_changed(sender, instance: Attachment, **kwargs) -> None:
    search.reindex(instance.item_id)


@receiver(post_save, sender=DisclosureItemUserObjectPermission)
@receiver(post_delete, sender=DisclosureItemUserObjectPermission)
@receiver(post_save, sender=DisclosureItemGroupObjectPermission)
@receiver(post_delete, sender=DisclosureItemGroupObjectPermission)
@receiver(post_save, sender=DisclosureRequest)
@receiver(post_delete, sender=DisclosureRequest)
def item_grants_changed(sender, **kwargs) -> None:
    """A grant was given or taken back, or an application (the reason of its applicant's
    grant) answered or moved: every reader's grants are read again on the next request."""
    grants_changed()
