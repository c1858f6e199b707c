"""Load the demo: a sub-district committee, its branches, a catalog, items in every state,
and one account per role. Running it again changes nothing."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from archive.services import archive_item
from catalog.models import (
    Catalog,
    CatalogEntry,
    Category,
    Duration,
    Frequency,
    PartyAudience,
    Period,
    PublicAudience,
    Retention,
)
from disclosure import obligations, services
from disclosure.models import DisclosureItem
from portal.calendar import add_working_days, period_containing
from portal.holidays import load_holidays
from portal.models import Membership, Organization, Role, User

DEMO_PASSWORD = "demo-pass-2026"

ORGS = [
    # code, name, level, kind, parent code
    ("CD", "城东街道党工委", "committee", "agency", None),
    ("CD-JG", "城东街道机关党总支", "general_branch", "agency", "CD"),
    ("CD-SQ", "城东街道社区党总支", "general_branch", "community", "CD"),
    ("CD-JG-01", "街道机关第一党支部", "branch", "agency", "CD-JG"),
    ("CD-JG-02", "街道机关第二党支部", "branch", "agency", "CD-JG"),
    ("CD-SQ-01", "东风社区党支部", "branch", "community", "CD-SQ"),
    ("CD-SQ-02", "向阳社区党支部", "branch", "community", "CD-SQ"),
]

USERS = [
    # username, full name, [(org code, role)]
    ("secretary", "李红梅", [("CD-JG-01", Role.SECRETARY)]),
    ("secretary2", "王建国", [("CD-SQ-01", Role.SECRETARY)]),
    ("reviewer", "张志强", [("CD-JG", Role.REVIEWER)]),
    ("reviewer2", "陈静", [("CD-SQ", Role.REVIEWER), ("CD", Role.REVIEWER)]),
    ("member", "赵明", [("CD-JG-01", Role.MEMBER)]),
    ("member2", "孙丽", [("CD-SQ-01", Role.MEMBER)]),
    ("cd_secretary", "吴军", [("CD", Role.SECRETARY)]),
    ("jg_secretary", "郑伟", [("CD-JG", Role.SECRETARY)]),
    ("resident", "钱芳", [("CD-SQ-01", Role.PEOPLE)]),
    ("supervisor", "周正", [("CD", Role.SUPERVISOR)]),
]

# 换届选举 and 组织设置 are kept permanently, 党费 and 发展党员 for 30 years.
RETENTION = {"ZZ-03": Retention.PERMANENT, "BZ-01": Retention.PERMANENT,
             "ZZ-01": Retention.YEARS_30, "ZZ-02": Retention.YEARS_30}

_ORG, _SUB = PartyAudience.ORGANIZATION, PartyAudience.SUBTREE
_SOC, _UNIT, _NONE = PublicAudience.SOCIETY, PublicAudience.UNIT, PublicAudience.NONE
_LONG, _SHORT = Duration.LONG, Duration.SHORT
_PER, _TIM = Frequency.PERIODIC, Frequency.TIMELY

ENTRIES = [
    # code, category, title, intra-party audience, beyond the party, duration, frequency,
    # period, due (working days), display (working days), lead days, body
    ("ZZ-01", Category.ORGANIZATION, "党费收缴、管理和使用情况", _ORG, _SOC, _LONG, _PER,
     Period.QUARTER, 15, None, 3,
     "## 本季度党费收缴情况\n\n| 项目 | 金额（元） |\n| --- | --- |\n| 应缴 |  |\n| 实缴 |  |\n"
     "| 上缴上级 |  |\n| 留存使用 |  |\n\n## 使用情况\n\n- \n"),
    ("ZZ-02", Category.ORGANIZATION, "发展党员情况", _ORG, _SOC, _SHORT, _TIM, "", 7, 5, 1,
     "## 发展对象基本情况\n\n- 姓名：\n- 入党申请时间：\n\n## 公示期\n\n公示期为5个工作日。\n"),
    ("ZZ-03", Category.ORGANIZATION, "换届选举", _ORG, _SOC, _LONG, _TIM, "", 7, None, 3,
     "## 选举结果\n\n"),
    ("JC-01", Category.DECISIONS, "年度工作计划和总结", _SUB, _SOC, _LONG, _PER, Period.YEAR,
     30, None, 5, "## 工作计划\n\n## 上年度工作总结\n"),
    ("SX-01", Category.IDEOLOGY, "理论学习计划", _ORG, _SOC, _LONG, _TIM, "", 30, None, 3,
     "## 学习安排\n\n| 月份 | 主题 |\n| --- | --- |\n"),
    ("ZZ-04", Category.ORGANIZATION, "民主评议党员结果", _ORG, _NONE, _LONG, _PER, Period.YEAR,
     30, None, 0, "## 评议结果\n\n"),
    ("BZ-01", Category.LEADERSHIP, "组织设置和班子分工", _ORG, _SOC, _LONG, _TIM, "", 15, None,
     3, "## 组织设置\n\n## 班子成员分工\n"),
    ("FW-01", Category.SERVICE, "为民办实事项目公示", _ORG, _UNIT, _SHORT, _TIM, "", 7, 15, 1,
     "## 项目清单\n\n"),
]


class Command(BaseCommand):
    help = "Load the demo organizations, catalog, accounts and items (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        load_holidays(timezone.localdate().year)
        orgs = self._orgs()
        users = self._users(orgs)
        entries = self._catalog(orgs["CD"])
        self._items(orgs, users, entries)
        self._obligations()
        self._voices(orgs, users)
        self.stdout.write(self.style.SUCCESS(
            f"Demo ready: {len(orgs)} organizations, {len(users)} accounts, "
            f"{DisclosureItem.objects.count()} items. Password for every account: {DEMO_PASSWORD}"
        ))

    def _orgs(self) -> dict[str, Organization]:
        orgs: dict[str, Organization] = {}
        for code, name, level, kind, parent in ORGS:
            org, _ = Organization.objects.get_or_create(code=code, defaults={
                "name": name, "level": level, "kind": kind,
                "parent": orgs.get(parent) if parent else None,
            })
            orgs[code] = org
        return orgs

    def _user(self, username: str, full_name: str, **extra) -> User:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "email": f"{username}@example.org", **extra},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _users(self, orgs: dict[str, Organization]) -> dict[str, User]:
        users = {"admin": self._user("admin", "系统管理员", is_staff=True, is_superuser=True)}
        catalog_admin = self._user("catalog_admin", "目录管理员", is_staff=True)
        group, _ = Group.objects.get_or_create(name="Catalog administrators")
        group.permissions.set(Permission.objects.filter(
            content_type__app_label__in=["catalog", "portal", "feedback"],
        ).exclude(codename__in=["view_internal", "publish", "review", "supervise"]))
        catalog_admin.groups.add(group)
        users["catalog_admin"] = catalog_admin
        since = timezone.localdate() - timedelta(days=400)
        for username, full_name, roles in USERS:
            user = self._user(username, full_name)
            for code, role in roles:
                Membership.objects.get_or_create(
                    user=user, organization=orgs[code], role=role, defaults={"since": since}
                )
            users[username] = user
        # Members of a branch are members of the bodies above it for intra-party reading only
        # where they hold a membership there; the demo keeps it to their own branch.
        return users

    def _catalog(self, issuer: Organization) -> dict[str, CatalogEntry]:
        catalog, _ = Catalog.objects.get_or_create(
            issuer=issuer, name="城东街道基层党组织党务公开目录", version="2026",
            defaults={"effective_from": dt.date(2026, 1, 1), "state": Catalog.State.ACTIVE,
                      "binds_issuer": True},
        )
        entries = {}
        for order, row in enumerate(ENTRIES):
            (code, category, title, party, public, duration, frequency, period, due, display,
             lead, body) = row
            entries[code], _ = CatalogEntry.objects.get_or_create(
                catalog=catalog, code=code, defaults={
                    "category": category, "title": title, "party_audience": party,
                    "public_audience": public, "duration": duration, "frequency": frequency,
                    "period": period, "due_days": due,
                    "display_days": display, "lead_days": lead, "body_template": body,
                    "order": order, "content": f"按目录要求公开{title}。",
                    "retention": RETENTION.get(code, Retention.YEARS_10),
                    "carriers": ["notice_board", "website"] if public != _NONE
                    else ["meeting", "notice_board"],
                },
            )
        return entries

    def _items(self, orgs, users, entries) -> None:
        sec, rev = users["secretary"], users["reviewer"]
        branch = orgs["CD-JG-01"]
        today = timezone.localdate()
        quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        prev_q_end = quarter_start - timedelta(days=1)
        prev_q_start = dt.date(prev_q_end.year, 3 * ((prev_q_end.month - 1) // 3) + 1, 1)
        with translation.override("zh-hans"):
            q_label = period_containing("quarter", prev_q_start).label()
        plan = [
            ("public", "SX-01", f"{today.year}年度理论学习计划",
             "## 学习安排\n\n| 月份 | 主题 |\n| --- | --- |\n| 1月 | 党章党规 |\n"
             "| 2月 | 党的二十大精神 |\n| 3月 | 党史学习 |\n\n每月第一个周五下午集中学习。", {}),
            ("public", "BZ-01", "支部委员会组织设置和班子分工",
             "## 组织设置\n\n支部委员会由3名委员组成。\n\n## 分工\n\n- 书记：李红梅，主持全面工作\n"
             "- 组织委员：负责组织发展和党费收缴\n- 宣传委员：负责理论学习和宣传", {}),
            ("internal", "ZZ-01", f"{q_label}党费收缴、管理和使用情况",
             "## 党费收缴情况\n\n| 项目 | 金额（元） |\n| --- | --- |\n| 应缴 | 3,260.00 |\n"
             "| 实缴 | 3,260.00 |\n| 上缴上级 | 3,260.00 |\n\n全体党员按时足额缴纳党费。",
             {"period_start": prev_q_start, "period_end": prev_q_end}),
            ("internal_only", "ZZ-04", f"{today.year - 1}年度民主评议党员结果",
             "## 评议结果\n\n参评党员23名，评为优秀5名、合格18名。", {
                 "period_start": dt.date(today.year - 1, 1, 1),
                 "period_end": dt.date(today.year - 1, 12, 31)}),
            ("approved", "ZZ-02", "关于确定王小明同志为发展对象的公示",
             "## 发展对象基本情况\n\n- 姓名：王小明\n- 入党申请时间：2024年3月\n\n"
             "公示期为5个工作日。",
             {"event_date": self._event_due_this_month(today, entries["ZZ-02"].due_days)}),
            ("submitted", "JC-01", f"{today.year}年度支部工作计划",
             "## 工作计划\n\n1. 加强理论学习\n2. 规范组织生活\n3. 做好党员服务", {
                 "period_start": dt.date(today.year, 1, 1),
                 "period_end": dt.date(today.year, 12, 31)}),
            ("returned", "FW-01", "为民办实事项目公示",
             "## 项目清单\n\n- 老旧小区楼道照明改造", {"event_date": today - timedelta(days=3)}),
            ("archived", "FW-01", f"{today.year - 1}年为民办实事项目公示",
             "## 项目清单\n\n- 社区食堂改造（已完成）\n- 楼道照明更新（已完成）",
             {"event_date": today - timedelta(days=330)}),
            ("archived", "BZ-01", f"{today.year - 1}年支部委员会分工",
             "## 分工\n\n- 书记：李红梅\n- 组织委员：刘强\n- 宣传委员：吴芳", {}),
            ("draft", "ZZ-03", "支部委员会换届选举结果",
             "## 选举结果\n\n（待填写）", {"event_date": today - timedelta(days=20)}),
        ]
        for target, entry_code, title, body, dates in plan:
            if DisclosureItem.objects.filter(organization=branch, title=title).exists():
                continue
            item = services.item_create(organization=branch, entry=entries[entry_code],
                                        actor=sec, title=title, body=body, **dates)
            self._advance(item, target, sec, rev)
        other = orgs["CD-SQ-01"]
        title = "东风社区党支部组织设置和班子分工"
        if not DisclosureItem.objects.filter(organization=other, title=title).exists():
            item = services.item_create(
                organization=other, entry=entries["BZ-01"], actor=users["secretary2"],
                title=title, body="## 组织设置\n\n支部委员会由5名委员组成。",
            )
            self._advance(item, "internal", users["secretary2"], users["reviewer2"])
        self._attach_demo_file(branch, sec)

    def _voices(self, orgs, users) -> None:
        """Feedback, an application, a filing and a rectification order, once."""
        from disclosure.models import DisclosureRequest, NonDisclosureFiling, Obligation
        from disclosure.services import filing_submit, request_submit
        from feedback import services as feedback_services
        from feedback.models import Feedback, RectificationOrder

        branch, sec = orgs["CD-JG-01"], users["secretary"]
        if not Feedback.objects.exists():
            public = DisclosureItem.objects.filter(organization=branch, state="public").first()
            answered = feedback_services.feedback_submit(
                organization=branch, item=public, author=None, allow_publish=True,
                body="建议在公开栏同时张贴学习计划的具体时间和地点。", address="127.0.0.1")
            feedback_services.feedback_accept(feedback_id=answered.pk, actor=sec)
            feedback_services.feedback_reply(
                feedback_id=answered.pk, actor=sec,
                reply="感谢建议。每月学习的时间地点已补充在公开栏，并将提前三天通知。")
            feedback_services.feedback_submit(
                organization=branch, item=None, author=users["member"],
                body="希望党费使用情况能按项目列出明细。")
            feedback_services.feedback_record_offline(
                organization=branch, actor=sec, channel="hotline",
                body="居民来电询问发展党员公示期的起止时间。", name="王先生")
        if not DisclosureRequest.objects.exists():
            request_submit(organization=branch, applicant=users["member"],
                           subject="申请公开支部年度党建经费预算")
            request_submit(organization=orgs["CD-JG"], applicant=users["member"],
                           subject="申请公开机关党总支年度考核结果")
        if not NonDisclosureFiling.objects.exists():
            obligation = Obligation.objects.filter(organization=orgs["CD-JG-02"],
                                                   state="overdue").first()
            if obligation is not None:
                secretary_two = self._user("secretary3", "刘洋")
                Membership.objects.get_or_create(
                    user=secretary_two, organization=orgs["CD-JG-02"], role=Role.SECRETARY,
                    defaults={"since": timezone.localdate() - timedelta(days=400)})
                filing_submit(obligation_id=obligation.pk, actor=secretary_two,
                              reason="该季度党费账目正在接受上级审计，审计结束后公开。",
                              condition="待上级审计结束后")
        from feedback.models import Campaign
        from feedback.services import campaign_open

        if not Campaign.objects.exists():
            campaign = Campaign.objects.create(
                title=f"{timezone.localdate().year}年度党务公开工作民主评议",
                period_label=f"{timezone.localdate().year}年度")
            campaign.organizations.set([orgs[c] for c in ("CD-JG-01", "CD-JG-02", "CD-SQ-01",
                                                          "CD-SQ-02")])
            campaign_open(campaign_id=campaign.pk, actor=users["admin"])
        if not RectificationOrder.objects.exists():
            feedback_services.rectification_order(
                organization=branch, actor=users["supervisor"],
                finding="2026年第三季度党费收缴情况逾期公开。",
                requirement="说明逾期原因，建立按季度提前准备的工作机制。",
                due_date=timezone.localdate() + timedelta(days=14))

    @staticmethod
    def _event_due_this_month(today: dt.date, due_days: int) -> dt.date:
        """Return an event date whose disclosure falls due later this month, if one can."""
        month_end = period_containing("month", today).end
        for back in range(0, 20):
            event = today - timedelta(days=back)
            if today <= add_working_days(event, due_days) <= month_end:
                return event
        return today

    def _obligations(self) -> None:
        """Generate obligations as the scheduler would have since last quarter, so the
        secretaries' calendars show due, overdue and done disclosures."""
        today = timezone.localdate()
        for days_ago in (100, 60, 0):
            obligations.generate_periodic_obligations(today - timedelta(days=days_ago))
        obligations.mark_overdue(today)

    def _advance(self, item: DisclosureItem, target: str, sec: User, rev: User) -> None:
        if target == "draft":
            return
        services.item_submit(item_id=item.pk, actor=sec)
        if target == "submitted":
            return
        if target == "returned":
            services.item_return(item_id=item.pk, actor=rev,
                                 comment="请补充项目预算和完成时限。")
            return
        services.item_approve(item_id=item.pk, actor=rev, confidentiality_checked=True,
                              comment="经保密审查，同意公开。")
        if target == "approved":
            return
        services.item_publish_internal(item_id=item.pk, actor=sec)
        if target == "archived":
            archive_item(item_id=item.pk, actor=sec)
            return
        if target != "public":
            return
        # The demo's public items went through the intra-party lead time long ago.
        earlier = timezone.now() - timedelta(days=20)
        DisclosureItem.objects.filter(pk=item.pk).update(internal_at=earlier)
        services.item_release_public(item_id=item.pk, actor=sec)

    def _attach_demo_file(self, branch: Organization, sec: User) -> None:
        item = DisclosureItem.objects.filter(organization=branch, state="draft").first()
        if item is None or item.attachments.exists():
            return
        text = "换届选举候选人名单（示例）\n1. 李红梅\n2. 刘强\n3. 吴芳\n".encode()
        upload = SimpleUploadedFile("候选人名单.txt", text, content_type="text/plain")
        services.attachment_add(item_id=item.pk, actor=sec, upload=upload)
