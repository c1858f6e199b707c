"""The year-end report as a document: the generated draft prose, the charts, the Word file
and (where LibreOffice is installed) its PDF rendering."""

from __future__ import annotations

import datetime as dt
import io
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _

from catalog.models import Carrier, Category
from feedback.models import Ballot
from portal.dates import date_text

from .report_figures import is_empty

logger = logging.getLogger(__name__)
NONE_TEXT = "无"
CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei",
             "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "DejaVu Sans"]
PDF_TIMEOUT = 120  # seconds LibreOffice may take to render one report


def _pct(value) -> str:
    return "—" if value is None else f"{value}%"


def _days(value) -> str:
    return "—" if value is None else _("%(days)s days") % {"days": value}


def figure_rows(figures: dict) -> list[tuple[str, list[tuple[str, str]]]]:
    """The figures as (section heading, [(label, value)]) for the page and the document."""
    items, due, fil = figures["items"], figures["on_time"], figures["filings"]
    app, fb, obj = figures["applications"], figures["feedback"], figures["objections"]
    ev, rect, ledger = figures["evaluation"], figures["rectification"], figures["ledger"]
    sup = figures["supervision"]
    categories = dict(Category.choices)
    carriers = dict(Carrier.choices)
    ratings = dict(Ballot.Rating.choices)
    return [
        (_("Items published"), [
            (_("Items published in the year"), str(items["total"])),
            (_("Within the party only"), str(items["party_only"])),
            (_("Also beyond the party"), str(items["beyond"])),
            *[(str(categories[code]), f'{row["total"]} ({row["party_only"]} / {row["beyond"]})')
              for code, row in items["by_category"].items()],
        ]),
        (_("Catalog obligations"), [
            (_("Due in the year"), str(due["due"])),
            (_("Fulfilled on time"), str(due["on_time"])),
            (_("Fulfilled late"), str(due["late"])),
            (_("Overdue"), str(due["overdue"])),
            (_("Filed as not disclosable"), str(due["filed"])),
            (_("On-time rate"), _pct(due["rate"])),
        ]),
        (_("Non-disclosure filings"), [(_("Filings made"), str(fil["total"]))]),
        (_("Applications for disclosure"), [
            (_("Applications received"), str(app["total"])),
            (_("Applications answered"), str(app["answered"])),
            (_("Answered after the due date"), str(app["answered_late"])),
            (_("Awaiting an answer"), str(app["pending"])),
            (_("Average answer time"), _days(app["average_days"])),
            (_("Longest answer time"), _days(app["longest_days"])),
        ]),
        (_("Opinions and suggestions"), [
            (_("Opinions received"), str(fb["total"])),
            (_("Opinions replied to"), str(fb["replied"])),
            (_("Replied after the due date"), str(fb["replied_late"])),
            (_("Not accepted"), str(fb["not_accepted"])), (_("Still open"), str(fb["open"])),
            (_("Average reply time"), _days(fb["average_days"])),
        ]),
        (_("Objections in publicity periods"), [
            (_("Publicity items"), str(obj["publicity_items"])),
            (_("Objections raised"), str(obj["total"])),
            (_("Items objected to"), str(obj["items"])),
            (_("Objections answered"), str(obj["replied"])),
            (_("Ended without objection"), str(obj["no_objection"])),
            (_("Objections handled and concluded"), str(obj["handled"])),
            (_("Awaiting a conclusion"), str(obj["awaiting"])),
        ]),
        (_("Evaluation"), [
            (_("Ballots cast"), str(ev["total"])),
            *[(str(ratings[code]), str(n)) for code, n in ev["by_rating"].items()],
            (_("Satisfaction"), _pct(ev["satisfaction"])),
            (_("Members' ballots (satisfaction)"),
             f'{ev["members"]["total"]} ({_pct(ev["members"]["satisfaction"])})'),
            (_("Residents' ballots with codes (satisfaction)"),
             f'{ev["residents"]["total"]} ({_pct(ev["residents"]["satisfaction"])})'),
        ]),
        (_("Rectification orders"), [
            (_("Ordered"), str(rect["total"])), (_("Verified and closed"), str(rect["closed"])),
            (_("Closed by the deadline"), str(rect["closed_on_time"])),
            (_("Still open"), str(rect["open"])),
            (_("Open past the deadline"), str(rect["open_overdue"])),
        ]),
        (_("Offline evidence (ledger)"), [
            (str(carriers.get(carrier, carrier)),
             _("%(records)s records, %(evidence)s evidence files") % {
                "records": n["records"], "evidence": n["evidence"]})
            for carrier, n in ledger.items() if n["records"]
        ] or [(_("Offline records"), _("No offline records"))]),
        (_("Supervision group"), [
            (_("Inspection plans"), str(sup["plans"])),
            (_("Inspections held"), str(sup["inspections"])),
            (_("Inspections with published results"), str(sup["published"])),
            (_("Findings"), str(sup["findings"])),
            (_("Rectification orders opened by findings"), str(sup["orders_from_findings"])),
            (_("Evidence files of rectification"), str(sup["evidence"])),
        ]),
    ]


def draft_sections(figures: dict) -> dict[str, str]:
    """A first draft of the four prose sections, written from the figures; "无" where the
    figures give nothing to say."""
    items, due, app = figures["items"], figures["on_time"], figures["applications"]
    fb, obj, ev = figures["feedback"], figures["objections"], figures["evaluation"]
    rect, scope = figures["rectification"], figures["scope"]
    overview = []
    if items["total"]:
        overview.append(_("In %(year)s, %(name)s and the organizations below it published "
                          "%(total)s items: %(party)s within the party only and %(beyond)s "
                          "also beyond it.") % {
            "year": scope["year"], "name": scope["name"], "total": items["total"],
            "party": items["party_only"], "beyond": items["beyond"]})
    if due["due"]:
        overview.append(_("Of %(due)s catalog obligations due, %(on_time)s were fulfilled on "
                          "time (on-time rate %(rate)s).") % {
            "due": due["due"], "on_time": due["on_time"], "rate": _pct(due["rate"])})
    if ev["total"]:
        overview.append(_("%(total)s ballots were cast in the evaluation; satisfaction "
                          "%(rate)s.") % {"total": ev["total"], "rate": _pct(ev["satisfaction"])})
    practices = []
    if app["total"] or fb["total"]:
        practices.append(_("%(apps)s applications for disclosure and %(fb)s opinions were "
                           "received; %(answered)s applications and %(replied)s opinions "
                           "were answered.") % {
            "apps": app["total"], "fb": fb["total"], "answered": app["answered"],
            "replied": fb["replied"]})
    if obj["publicity_items"]:
        practices.append(_("%(n)s matters were put to publicity (公示); %(objections)s "
                           "objections were raised and answered.") % {
            "n": obj["publicity_items"], "objections": obj["total"]})
    offline = figures["ledger"]
    if any(n["records"] for n in offline.values()):
        practices.append(_("Offline, %(boards)s notice-board postings, %(meetings)s meetings "
                           "and %(documents)s documents were recorded in the ledger with "
                           "%(evidence)s evidence files.") % {
            "boards": offline.get("notice_board", {}).get("records", 0),
            "meetings": offline.get("meeting", {}).get("records", 0),
            "documents": offline.get("document", {}).get("records", 0),
            "evidence": sum(n["evidence"] for n in offline.values())})
    sup = figures["supervision"]
    if sup["inspections"]:
        practices.append(_("The supervision group held %(inspections)s inspections with "
                           "%(findings)s findings, which opened %(orders)s rectification "
                           "orders.") % {"inspections": sup["inspections"],
                                         "findings": sup["findings"],
                                         "orders": sup["orders_from_findings"]})
    problems = []
    if due["overdue"] or due["late"]:
        problems.append(_("%(overdue)s obligations are overdue and %(late)s were fulfilled "
                          "late.") % {"overdue": due["overdue"], "late": due["late"]})
    if app["answered_late"] or fb["replied_late"]:
        problems.append(_("Some answers came after their due date (%(apps)s applications, "
                          "%(fb)s opinions).") % {"apps": app["answered_late"],
                                                  "fb": fb["replied_late"]})
    if rect["total"]:
        problems.append(_("%(total)s rectification orders were given; %(open)s are still "
                          "open.") % {"total": rect["total"], "open": rect["open"]})
    if not any(n["records"] for n in figures["ledger"].values()) and not is_empty(figures):
        problems.append(_("No offline records (notice boards, meetings, documents) are kept "
                          "in the portal."))
    plans = []
    if any([due["overdue"], due["late"], app["answered_late"], fb["replied_late"],
            rect["open"]]):
        plans.append(_("Fulfil overdue obligations, answer within the time limits and close "
                       "the open rectification orders."))
    glue = "" if (translation.get_language() or "").startswith("zh") else " "
    return {
        "overview": glue.join(overview) or NONE_TEXT,
        "practices": glue.join(practices) or NONE_TEXT,
        "problems": glue.join(problems) or NONE_TEXT,
        "plans": glue.join(plans) or NONE_TEXT,
    }


def charts(figures: dict) -> list[tuple[str, bytes]]:
    """PNG charts (title, bytes) of what has data; none for an empty year."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot
    from matplotlib.figure import Figure

    pyplot.rcParams["font.sans-serif"] = CJK_FONTS
    pyplot.rcParams["axes.unicode_minus"] = False
    made: list[tuple[str, bytes]] = []

    def png(figure: Figure) -> bytes:
        buffer = io.BytesIO()
        figure.tight_layout()
        figure.savefig(buffer, format="png", dpi=120)
        return buffer.getvalue()

    items = figures["items"]
    if items["total"]:
        codes = [c for c, row in items["by_category"].items() if row["total"]]
        labels = [str(dict(Category.choices)[c]) for c in codes]
        figure = Figure(figsize=(7, 0.5 * len(codes) + 1.5))
        axes = figure.subplots()
        party = [items["by_category"][c]["party_only"] for c in codes]
        beyond = [items["by_category"][c]["beyond"] for c in codes]
        axes.barh(labels, party, label=_("Within the party only"), color="#b22222")
        axes.barh(labels, beyond, left=party, label=_("Also beyond the party"), color="#e9a23b")
        axes.legend(loc="lower right")
        axes.set_xlabel(_("Items"))
        made.append((_("Items published by category and audience"), png(figure)))
    ev = figures["evaluation"]
    if ev["total"]:
        ratings = dict(Ballot.Rating.choices)
        pairs = [(str(ratings[c]), n) for c, n in ev["by_rating"].items() if n]
        figure = Figure(figsize=(5, 4))
        axes = figure.subplots()
        axes.pie([n for _, n in pairs], labels=[label for label, _ in pairs],
                 autopct="%1.0f%%", colors=["#2e7d32", "#f9a825", "#c62828"][:len(pairs)])
        made.append((_("Evaluation ratings"), png(figure)))
    return made


def build_docx(report, figures: dict) -> bytes:
    """The report as a Word document: title, prose sections, figures table and charts."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "SimSun")
    document.add_heading(report.title, level=0)
    document.add_paragraph(_("Organization: %(name)s (with the organizations below it); "
                             "year: %(year)s; figures taken %(at)s.") % {
        "name": report.organization.name, "year": report.year,
        "at": date_text(dt.datetime.fromisoformat(figures["scope"]["taken_at"]))})
    for number, (_field, heading, text) in enumerate(report.sections(), 1):
        document.add_heading(f"{number}. {heading}", level=1)
        for paragraph in (text or NONE_TEXT).splitlines() or [NONE_TEXT]:
            if paragraph.strip():
                document.add_paragraph(paragraph.strip())
    document.add_heading(_("Figures"), level=1)
    for heading, rows in figure_rows(figures):
        document.add_heading(heading, level=2)
        table = document.add_table(rows=0, cols=2)
        table.style = "Table Grid"
        for label, value in rows:
            cells = table.add_row().cells
            cells[0].text, cells[1].text = label, value
    made = charts(figures)
    document.add_heading(_("Charts"), level=1)
    if not made:
        document.add_paragraph(_("No data to chart for this year."))
    for title, image in made:
        document.add_paragraph(title)
        document.add_picture(io.BytesIO(image), width=Cm(15))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def soffice() -> str | None:
    return shutil.which("soffice")


def render_pdf(docx: bytes) -> bytes | None:
    """The Word document rendered to PDF by LibreOffice, or None where it is not installed
    or fails (the report then has its Word document only)."""
    program = soffice()
    if program is None:
        return None
    with tempfile.TemporaryDirectory() as work:
        source = Path(work) / "report.docx"
        source.write_bytes(docx)
        try:
            subprocess.run(  # noqa: S603 - fixed program and arguments, no shell
                [program, f"-env:UserInstallation=file://{work}/profile", "--headless",
                 "--convert-to", "pdf", "--outdir", work, str(source)],
                check=True, capture_output=True, timeout=PDF_TIMEOUT)
        except (subprocess.SubprocessError, OSError) as error:
            logger.warning("the report could not be rendered to PDF: %s", error)
            return None
        target = Path(work) / "report.pdf"
        return target.read_bytes() if target.exists() else None
