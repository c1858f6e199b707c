from django.db import migrations
from django.db.models import F
from django.db.models.functions import Coalesce


def mark_withdrawn(apps, schema_editor) -> None:
    """Items withdrawn before the mark existed keep their content down, archived ones too:
    a withdrawn item, and an archived one whose trail has an approved withdrawal."""
    item = apps.get_model("disclosure", "DisclosureItem")
    review = apps.get_model("disclosure", "Review")
    withdrawn = review.objects.filter(action="withdraw").values("item_id")
    item.objects.filter(withdrawn_at__isnull=True).filter(
        state="withdrawn").update(withdrawn_at=Coalesce(F("closed_at"), F("updated_at")))
    item.objects.filter(withdrawn_at__isnull=True, state="archived", pk__in=withdrawn).update(
        withdrawn_at=Coalesce(F("closed_at"), F("archived_at")))


class Migration(migrations.Migration):

    dependencies = [
        ("disclosure", "0018_withdrawn_at"),
    ]

    operations = [
        migrations.RunPython(mark_withdrawn, migrations.RunPython.noop),
    ]
