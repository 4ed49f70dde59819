"""The seed's monitoring sheets as files a PIC opens on a laptop and prints.

XLSX (openpyxl): the *Lembar Rekapitulasi Status Pengisian* (K:1348-1353:
No, NIP, Nama, Jabatan, Unit Kerja, then one column per stage under
"Status Coaching"), with its header frozen, filters on, and set up to
print landscape, fit to width, the header repeated on every page; a
summary sheet per unit with percentages and the share who completed the
whole cycle; a JPL sheet with each person's JP of the year. CSV: the
status sheet alone. Words in the reader's language; statuses and counts
only, never answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from flows.messages import Msg
from flows.program_spec import ProgramSpec
from flows.recap import Column, Row, Tally, cell, columns

Render = Callable[[Msg], str]
PEOPLE_COLUMNS = ("recap.col_no", "recap.col_nip", "recap.col_nama", "recap.col_jabatan", "recap.col_unit")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


@dataclass(frozen=True, slots=True)
class Sheet:
    """What one export is about, and what it holds."""

    program: ProgramSpec
    title: Msg  # program, scope and year, as a line
    rows: Sequence[Row]
    units: Sequence[Tally]
    total: Tally
    jp: Mapping[int, Decimal]


def _status_table(sheet: Sheet, render: Render) -> tuple[list[str], list[list[object]]]:
    cols = columns(sheet.program)
    header = [render(Msg(k)) for k in PEOPLE_COLUMNS] + [render(c.label) for c in cols]
    body: list[list[object]] = []
    for n, row in enumerate(sheet.rows, 1):
        cells = [cell(sheet.program, c, row) for c in cols]
        body.append([n, row.nip, row.nama, row.jabatan, row.unit_kerja,
                     *(v if isinstance(v, int) else render(v) for v in cells)])
    return header, body


def status_csv(sheet: Sheet, render: Render) -> bytes:
    header, body = _status_table(sheet, render)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8 names right


def status_xlsx(sheet: Sheet, render: Render) -> bytes:
    book = Workbook()
    status = book.active
    assert status is not None
    status.title = render(Msg("recap.sheet_status"))[:31]
    header, body = _status_table(sheet, render)
    _titled(status, [render(Msg("recap.title_status")), render(sheet.title)])
    first_stage = len(PEOPLE_COLUMNS) + 1
    status.cell(3, first_stage, render(Msg("recap.group_status"))).font = BOLD
    if len(header) > first_stage:
        status.merge_cells(start_row=3, start_column=first_stage, end_row=3, end_column=len(header))
    _table(status, 4, header, body, widths=[5, 21, 28, 26, 26] + [16] * (len(header) - len(PEOPLE_COLUMNS)))

    summary = book.create_sheet(render(Msg("recap.sheet_summary"))[:31])
    _titled(summary, [render(Msg("recap.title_summary")), render(sheet.title)])
    cols = columns(sheet.program)
    staged = [c for c in cols if not c.counts]
    sum_header = [render(Msg("recap.col_unit")), render(Msg("recap.col_people"))]
    for c in cols:
        sum_header += [render(c.label), "%"]
    if staged:
        sum_header += [render(Msg("recap.col_whole_cycle")), "%"]
    sum_rows = [_summary_row(t, cols, bool(staged)) for t in sheet.units]
    total = _summary_row(sheet.total, cols, bool(staged))
    total[0] = render(Msg("recap.total"))
    _table(summary, 4, sum_header, [*sum_rows, total], widths=[30, 10] + [12] * (len(sum_header) - 2),
           percent_columns=[i + 1 for i, h in enumerate(sum_header) if h == "%"])
    for c in summary[summary.max_row]:
        c.font = BOLD

    jpl = book.create_sheet(render(Msg("recap.sheet_jp"))[:31])
    _titled(jpl, [render(Msg("recap.title_jp")), render(sheet.title)])
    jp_header = [render(Msg(k)) for k in PEOPLE_COLUMNS] + [render(Msg("recap.col_jp"))]
    jp_rows: list[list[object]] = [
        [n, r.nip, r.nama, r.jabatan, r.unit_kerja, float(sheet.jp.get(r.employee_id, 0))]
        for n, r in enumerate(sheet.rows, 1)]
    _table(jpl, 4, jp_header, jp_rows, widths=[5, 21, 28, 26, 26, 10])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary_row(t: Tally, cols: Sequence[Column], whole: bool) -> list[object]:
    row: list[object] = [t.unit, t.total]
    for c in cols:
        row += [t.done[c.activity.id], t.share(t.done[c.activity.id])]
    if whole:
        row += [t.whole_cycle, t.share(t.whole_cycle)]
    return row


def _titled(ws: Worksheet, lines: Sequence[str]) -> None:
    for i, line in enumerate(lines, 1):
        ws.cell(i, 1, line).font = Font(bold=i == 1, size=13 if i == 1 else 11)


def _table(ws: Worksheet, top: int, header: Sequence[str], body: Sequence[Sequence[object]], *,
           widths: Sequence[int], percent_columns: Sequence[int] = ()) -> None:
    """A header row at `top`, the body below it; frozen, filtered, printable."""
    for j, text in enumerate(header, 1):
        c = ws.cell(top, j, text)
        c.font, c.fill = BOLD, HEADER_FILL
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i, values in enumerate(body, top + 1):
        for j, value in enumerate(values, 1):
            ws.cell(i, j, value)
    for j in percent_columns:
        for i in range(top + 1, top + 1 + len(body)):
            ws.cell(i, j).number_format = "0.0%"
    for j, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    last = get_column_letter(len(header))
    ws.freeze_panes = ws.cell(top + 1, 1)
    ws.auto_filter.ref = f"A{top}:{last}{top + max(len(body), 1)}"
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
