"""Demo: one supervisor role asked for by the catalog admin and waiting for the superuser's
approval (four eyes). Idempotent."""

from __future__ import annotations


def seed_pending_grant(orgs, users) -> None:
    from portal.grants import grant_request
    from portal.models import Role, RoleGrant

    grantee, org = users["member"], orgs["CD"]
    if RoleGrant.objects.filter(user=grantee, organization=org).exists():
        return
    grant_request(user=grantee, organization=org, role=Role.SUPERVISOR,
                  actor=users["catalog_admin"], reason="街道党工委拟增补党务公开监督员")
