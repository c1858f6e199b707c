"""Demo: 公开承诺 signed by the secretaries, a 领导点评 published with one, and resident
evaluation codes (a few used) with members' ballots in the open campaign. Idempotent."""

from __future__ import annotations

import sys

from django.utils import timezone

COMMITMENTS = {
    "CD-JG-01": ("secretary", "public",
                 "一、按照党务公开目录，党内公开事项在形成后5个工作日内公开，对外公开事项同步在"
                 "门户网站和机关公开栏公开。\n二、每季度首月10日前公开上季度党费收缴、管理和使用情况。"
                 "\n三、对党员和群众的意见建议10个工作日内答复，答复情况按规定公开。"
                 "\n四、主动接受党员群众和党务公开监督小组的监督，发现问题限期整改。"),
    "CD-SQ-01": ("secretary2", "public",
                 "一、社区“三务”公开与党务公开同步推进，公开栏每月更新。"
                 "\n二、为民办实事项目实行事前、事中、事后全程公开。"
                 "\n三、每半年向居民代表通报一次党务公开工作情况，听取意见。"),
}
COMMENT = ("街道机关第一党支部党务公开工作目录清晰、时限明确，公开栏和网站同步更新。"
           "希望进一步做好党费收缴使用情况的按季公开，注重收集党员群众的反馈意见。")


def seed(orgs, users) -> None:
    from feedback import services
    from feedback.models import Ballot, Campaign, Commitment, EvaluationCode, LeaderComment

    year = timezone.localdate().year
    for code, (signer, audience, text) in COMMITMENTS.items():
        org = orgs[code]
        if Commitment.objects.filter(organization=org, year=year).exists():
            continue
        draft = services.commitment_draft(organization=org, actor=users[signer], year=year,
                                          text=text, audience=audience)
        services.commitment_publish(commitment_id=draft.pk, actor=users[signer])
    if not LeaderComment.objects.filter(organization=orgs["CD-JG-01"], year=year).exists():
        services.leader_comment_record(organization=orgs["CD-JG-01"],
                                       actor=users["jg_secretary"], year=year, text=COMMENT,
                                       publish=True)
    campaign = Campaign.objects.filter(state=Campaign.State.OPEN).order_by("pk").first()
    if campaign is None or EvaluationCode.objects.filter(campaign=campaign).exists():
        return
    for voter, code in (("member", "CD-JG-01"), ("member2", "CD-SQ-01"),
                        ("secretary", "CD-JG-01")):
        if not Ballot.objects.filter(campaign=campaign, voter=users[voter]).exists():
            services.ballot_cast(campaign=campaign, organization=orgs[code], voter=users[voter],
                                 rating="satisfied" if voter != "secretary" else "fairly")
    codes = services.evaluation_codes_generate(campaign_id=campaign.pk, actor=users["admin"],
                                               count=20)
    orgs_of_campaign = list(campaign.organizations.all())
    for code, rating in zip(codes[:4], ["satisfied", "satisfied", "fairly", "unsatisfied"],
                            strict=True):
        services.evaluation_code_cast(
            campaign_id=campaign.pk, code=code,
            ratings={org.pk: (rating, "") for org in orgs_of_campaign})
    sys.stdout.write("Unused resident evaluation codes (shown once): "
                     + ", ".join(codes[4:7]) + "\n")
