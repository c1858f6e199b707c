"""Keep each item's search vector in step with its title, body and attachment names."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search
from .models import Attachment, DisclosureItem

INDEXED_FIELDS = {"title", "body"}


@receiver(post_save, sender=DisclosureItem)
def item_saved(sender, instance: DisclosureItem, created: bool, update_fields=None,
               **kwargs) -> None:
    if created or update_fields is None or INDEXED_FIELDS & set(update_fields):
        search.reindex(instance.pk)


@receiver(post_save, sender=Attachment)
@receiver(post_delete, sender=Attachment)
def attachment_changed(sender, instance: Attachment, **kwargs) -> None:
    search.reindex(instance.item_id)
