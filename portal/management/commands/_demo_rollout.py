"""Demo rollout dates: the committee wants its agencies and communities started by the end
of June, every other type by the end of the year."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from portal.models import Organization, RolloutDate

BY_END_OF_JUNE = (Organization.Kind.AGENCY, Organization.Kind.COMMUNITY)


def seed(orgs: dict[str, Organization], users: dict) -> None:
    year = timezone.localdate().year
    issuer = orgs["CD"]
    for kind in Organization.Kind.values:
        start_by = dt.date(year, 6, 30) if kind in BY_END_OF_JUNE else dt.date(year, 12, 31)
        RolloutDate.objects.get_or_create(issuer=issuer, kind=kind,
                                          defaults={"start_by": start_by})
