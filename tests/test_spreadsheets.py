"""Every CSV and Excel export neutralises formulas: titles and organization names come from
users and imported files, and a spreadsheet must show them as text, never run them."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client
from openpyxl import load_workbook

from archive import services as archive_services
from disclosure.models import State
from portal.models import Organization
from portal.spreadsheets import csv_bytes, safe_cell, spreadsheet_response, xlsx_bytes

TITLE = '=HYPERLINK("http://x","y")'
ORG_NAME = "=1+1"


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", TITLE,
                                   "＝1+1", "＋1", "－1", "＠SUM(A1)"])
def test_formula_text_gets_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["党费收缴", "a=1", "", " =1", 5, -5, 1.5, None])
def test_other_values_are_left_alone(value):
    assert safe_cell(value) == value


def test_csv_has_a_bom_and_guards_every_cell():
    body = csv_bytes(["=head", "B"], [[TITLE, -3], ["党费", None]])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["'=head", "B"], ["'" + TITLE, "-3"], ["党费", ""]]
    assert not csv_bytes(["a"], [], bom=False).startswith("\ufeff".encode())


def test_xlsx_writes_guarded_text_as_text_with_a_frozen_header():
    body = xlsx_bytes("x" * 40, ["Title", "N"], [[TITLE, -3]], widths=(48, 8))
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet.title == "x" * 31
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["A"].width == 48
    assert (sheet["A2"].data_type, sheet["A2"].value) == ("s", "'" + TITLE)
    assert sheet["B2"].value == -3


def test_response_is_an_attachment_with_the_format_type():
    response = spreadsheet_response(b"a,b\r\n", "report", "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="report.csv"'
    assert spreadsheet_response(b"", "report", "xlsx")["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


# Through the pages: the item list, the archive register and the compliance dashboard.


@pytest.fixture
def hostile(world):
    """The branch is named like a formula (as an imported file may name it) and has a
    public item and an archived record titled like one."""
    Organization.objects.filter(pk=world.branch.pk).update(name=ORG_NAME)
    world.branch.refresh_from_db()
    world.item(State.PUBLIC, title=TITLE)
    item = world.item(State.INTERNAL, title=TITLE)
    archive_services.archive_item(item_id=item.pk, actor=world.users["secretary"])
    return world


def client_for(world, name: str | None) -> Client:
    client = Client()
    if name:
        client.force_login(world.users[name])
    return client


def csv_cells(response) -> list[str]:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return [cell for row in csv.reader(io.StringIO(text[1:])) for cell in row]


def xlsx_cells(response) -> list:
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [cell for row in sheet.iter_rows(min_row=2) for cell in row]


def assert_neutralised(cells: list[str], *texts: str) -> None:
    for text in texts:
        assert "'" + text in cells
        assert text not in cells


def assert_xlsx_neutralised(cells: list, *texts: str) -> None:
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in texts:
        found = [c for c in cells if isinstance(c.value, str) and text in c.value]
        assert found
        assert all(c.data_type == "s" and c.value == "'" + text for c in found)


@pytest.mark.django_db
def test_item_list_exports(hostile):
    client = client_for(hostile, None)
    assert_neutralised(csv_cells(client.get("/items/export.csv")), TITLE, ORG_NAME)
    assert_xlsx_neutralised(xlsx_cells(client.get("/items/export.xlsx")), TITLE, ORG_NAME)


@pytest.mark.django_db
def test_archive_register_exports(hostile):
    client = client_for(hostile, "secretary")
    assert_neutralised(csv_cells(client.get("/archive/export.csv")), TITLE, ORG_NAME)
    assert_xlsx_neutralised(xlsx_cells(client.get("/archive/export.xlsx")), TITLE, ORG_NAME)


@pytest.mark.django_db
def test_compliance_dashboard_csv(hostile):
    response = client_for(hostile, "supervisor").get("/supervision/?format=csv")
    assert response["Content-Disposition"] == 'attachment; filename="compliance.csv"'
    cells = csv_cells(response)
    assert_neutralised(cells, ORG_NAME)
    assert "B1" in cells
