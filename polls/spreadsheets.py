"""The exports as spreadsheets (.xlsx), beside their CSVs: a Spanish-locale Excel opens a
UTF-8 CSV garbled (it reads it in the system's encoding and splits on semicolons), and
a spreadsheet has neither problem. openpyxl writes them; the rows are the CSVs' own
(polls/exports.py, tally/exports.py, events/exports.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The longest name a sheet may have (Excel's).
SHEET_NAME_MAX = 31


def xlsx_bytes(sheets: Iterable[tuple[str, Iterable[list[Any]]]]) -> bytes:
    """Each sheet's rows: the header row bold and frozen, numbers as numbers, dates as
    dates, and text always text, never run as a formula whatever it starts with (an
    option's label `=HYPERLINK(…)`)."""
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet, rows in sheets:
        worksheet = workbook.create_sheet(sheet[:SHEET_NAME_MAX])
        worksheet.freeze_panes = "A2"
        for number, row in enumerate(rows):
            cells = []
            for value in row:
                cell = WriteOnlyCell(worksheet, value=_value(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl takes a leading "=" for a formula
                if number == 0:
                    cell.font = bold
                cells.append(cell)
            worksheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _value(value: Any) -> Any:
    """A cell's value as the file can hold it: text without the control characters XML
    refuses, a moment in the site's time zone (a spreadsheet has none), everything else
    as it is."""
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime) and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_response(
    rows: Iterable[list[Any]],
    filename: str,
    *,
    sheets: Iterable[tuple[str, Iterable[list[Any]]]] = (),
) -> HttpResponse:
    """A download of the rows as `filename`.xlsx, one sheet named as the file, then any
    more `sheets`."""
    body = xlsx_bytes([(filename, rows), *sheets])
    response = HttpResponse(body, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
