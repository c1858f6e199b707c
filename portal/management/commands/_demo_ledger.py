"""The demo's offline ledger (公开台账): notice-board postings of public items of
街道机关第一党支部 and 东风社区党支部 with photos of the board, a 党员大会 with its minutes and a
document, each recorded by the branch's secretary. Other carrier-required items stay
unrecorded, so the calendar and the compliance dashboard show their warnings. Running it
again changes nothing."""

from __future__ import annotations

import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from disclosure import services
from disclosure.models import DisclosureItem, LedgerRecord, State

from ._demo_files import pdf_notice

BOARDS = {"CD-JG-01": "街道机关办公楼一楼大厅党务公开栏",
          "CD-SQ-01": "东风社区党群服务中心门前公开栏"}
POSTED = (State.PUBLIC, State.EXPIRED, State.ARCHIVED)


def board_photo(seed: int, fmt: str = "PNG") -> bytes:
    """A small picture of a notice board: a red header, sheets pinned on a cork board."""
    image = Image.new("RGB", (360, 240), (120, 84, 52))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, 350, 230), fill=(196, 160, 110), outline=(80, 50, 30), width=4)
    draw.rectangle((10, 10, 350, 44), fill=(190, 30, 30))
    for star in range(5):
        x = 150 + star * 14
        draw.ellipse((x, 22, x + 8, 30), fill=(250, 210, 40))
    for sheet in range(3):
        left = 24 + sheet * 110
        top = 58 + (seed + sheet) % 3 * 6
        draw.rectangle((left, top, left + 96, top + 150), fill=(250, 250, 245),
                       outline=(150, 150, 150))
        draw.ellipse((left + 44, top - 4, left + 52, top + 4), fill=(200, 20, 20))
        for line in range(9):
            width = 60 + (seed * 7 + line * 13 + sheet * 5) % 20
            draw.line((left + 8, top + 18 + line * 14, left + 8 + width, top + 18 + line * 14),
                      fill=(60, 60, 60), width=2)
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=85)
    return buffer.getvalue()


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def _postings(org, secretary, today: dt.date) -> None:
    items = (DisclosureItem.objects.filter(organization=org, state__in=POSTED)
             .select_related("entry").order_by("pk"))
    posted = [item for item in items if "notice_board" in item.entry.carriers][:3]
    for number, item in enumerate(posted):
        if LedgerRecord.objects.filter(item=item, carrier="notice_board").exists():
            continue
        went_up = min(today, timezone.localtime(item.public_at or item.internal_at).date())
        came_down = today if number == 0 and went_up < today else None
        photos = [_upload(f"公开栏照片{number + 1}.png", board_photo(number), "image/png"),
                  _upload(f"公开栏近景{number + 1}.jpg", board_photo(number + 5, "JPEG"),
                          "image/jpeg")]
        services.ledger_record(organization=org, actor=secretary, item=item,
                               carrier="notice_board", date=went_up, board=BOARDS[org.code],
                               until=came_down, uploads=photos,
                               note="张贴后拍照留存。")


def _meeting(org, secretary, today: dt.date) -> None:
    item = next((i for i in DisclosureItem.objects.filter(
        organization=org, state__in=POSTED).select_related("entry").order_by("pk")
        if "meeting" in i.entry.carriers), None)
    if item is None or LedgerRecord.objects.filter(item=item, carrier="meeting").exists():
        return
    held = min(today, timezone.localtime(item.internal_at).date())
    minutes = (f"支部书记通报了《{item.title}》，与会党员无异议。会议同意按目录在公开栏同步公开。")
    services.ledger_record(
        organization=org, actor=secretary, item=item, carrier="meeting", date=held,
        meeting_kind="general",
        meeting_name=f"{held.year}年第{(held.month - 1) // 3 + 1}季度党员大会",
        attendance=27, minutes=minutes,
        uploads=[_upload("党员大会记录.pdf", pdf_notice("党员大会记录", [
            f"时间：{held:%Y年%m月%d日}", "应到 31 人，实到 27 人", minutes[:30]]),
            "application/pdf")])


def _document(org, secretary, today: dt.date) -> None:
    item = next((i for i in DisclosureItem.objects.filter(
        organization=org, state__in=POSTED).select_related("entry").order_by("-pk")
        if "document" in i.entry.carriers), None)
    if item is None or LedgerRecord.objects.filter(item=item, carrier="document").exists():
        return
    issued = min(today, timezone.localtime(item.internal_at).date())
    services.ledger_record(
        organization=org, actor=secretary, item=item, carrier="document", date=issued,
        document_number=f"街机一支〔{issued.year}〕2号",
        uploads=[_upload("印发文件.pdf", pdf_notice(item.title, [
            f"街机一支〔{issued.year}〕2号", f"印发日期：{issued:%Y年%m月%d日}"]),
            "application/pdf")])


def seed(orgs, users) -> None:
    today = timezone.localdate()
    _postings(orgs["CD-JG-01"], users["secretary"], today)
    _postings(orgs["CD-SQ-01"], users["secretary2"], today)
    _meeting(orgs["CD-SQ-01"], users["secretary2"], today)
    _document(orgs["CD-JG-01"], users["secretary"], today)
