"""The demo's supervision group: the 城东街道党工委's 监督小组 elected at a 党员大会, with
周正 as its leader and two further members, one inspection plan, one inspection record
whose finding opened a rectification order (answered with a photo as evidence), and the
results published to the organization's members."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import Membership, Role, User

from ._demo_files import png_bars


def _member(username: str, full_name: str, org, since: dt.date) -> User:
    from .seed_demo import DEMO_PASSWORD

    user, created = User.objects.get_or_create(
        username=username, defaults={"full_name": full_name, "email": f"{username}@example.org"})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    Membership.objects.get_or_create(user=user, organization=org, role=Role.MEMBER,
                                     defaults={"since": since})
    return user


def seed(orgs, users) -> None:
    """Create the group and its inspection once; running it again changes nothing."""
    from feedback import services
    from feedback.models import InspectionRecord, SupervisionGroup

    committee, branch = orgs["CD"], orgs["CD-JG-01"]
    if SupervisionGroup.objects.filter(organization=committee).exists():
        return
    today = timezone.localdate()
    start = dt.date(today.year - 1, 1, 15)
    if Membership.objects.filter(user=users["supervisor"], organization=committee,
                                 role=Role.SUPERVISOR, since=start).exists():
        start += timedelta(days=1)
    since = today - timedelta(days=400)
    group = services.supervision_group_elect(
        organization=committee, actor=users["cd_secretary"], meeting="党员大会",
        elected_on=start, term_start=start, term_end=dt.date(start.year + 5, 1, 15))
    leader = users["supervisor"]
    for user, is_leader in ((leader, True),
                            (_member("supervisor2", "孙明", branch, since), False),
                            (_member("supervisor3", "郑丽", orgs["CD-SQ-01"], since), False)):
        services.supervision_seat_add(group_id=group.pk, user=user,
                                      actor=users["cd_secretary"], since=start,
                                      is_leader=is_leader)
    plan = services.inspection_plan(
        group_id=group.pk, actor=leader, year=today.year, period="下半年",
        scope=[branch, orgs["CD-SQ-01"]],
        subject="检查党费收缴、发展党员公示是否按目录及时公开，公开栏是否按时更新。",
        planned_start=today - timedelta(days=20), planned_end=today - timedelta(days=10))
    record = services.inspection_record(
        group_id=group.pk, actor=leader, plan=plan, inspected_on=today - timedelta(days=12),
        scope=[branch], checked="查看门户网站和公开栏，抽查第三季度党费收缴情况的公开。",
        conclusion="公开总体及时，公开栏更新不够及时。")
    finding = services.inspection_add_finding(
        record_id=record.pk, actor=leader, organization=branch,
        text="公开栏上第三季度党费收缴情况未按时张贴。")
    order = services.inspection_open_order(
        finding_id=finding.pk, actor=leader, requirement="在公开栏补充张贴并拍照留存。",
        due_date=today + timedelta(days=10))
    services.rectification_evidence_add(
        order_id=order.pk, actor=users["secretary"],
        upload=SimpleUploadedFile("公开栏张贴照片.png", png_bars([3, 5, 4, 6])))
    services.rectification_respond(order_id=order.pk, actor=users["secretary"],
                                   response="已在公开栏补充张贴，照片见附件。")
    services.inspection_conclude_plan(plan_id=plan.pk, actor=leader, done=True)
    services.inspection_publish(record_id=record.pk, actor=leader,
                                audience=InspectionRecord.Audience.MEMBERS)
