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
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

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
    return csv_file(*_status_table(sheet, render))


def csv_file(header: Sequence[str], body: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8 names right


def status_xlsx(sheet: Sheet, render: Render) -> bytes:
    # Write-only: rows are streamed to the file, not kept as cell objects;
    # a koordinator's 20,000 rows are written in a fraction of the time and memory.
    book = Workbook(write_only=True)
    title = render(sheet.title)
    header, body = _status_table(sheet, render)
    status = book.create_sheet(render(Msg("recap.sheet_status"))[:31])
    first_stage = len(PEOPLE_COLUMNS) + 1
    group = [None] * (first_stage - 1) + [_cell(status, render(Msg("recap.group_status")), font=BOLD)]
    if len(header) > first_stage:
        status.merged_cells.add(f"{get_column_letter(first_stage)}3:{get_column_letter(len(header))}3")
    _table(status, [render(Msg("recap.title_status")), title], header, body, group=group,
           widths=[5, 21, 28, 26, 26] + [16] * (len(header) - len(PEOPLE_COLUMNS)))

    summary = book.create_sheet(render(Msg("recap.sheet_summary"))[:31])
    cols = columns(sheet.program)
    staged = [c for c in cols if not c.counts]
    sum_header = [render(Msg("recap.col_unit")), render(Msg("recap.col_people"))]
    for c in cols:
        sum_header += [render(c.label), "%"]
    if staged:
        sum_header += [render(Msg("recap.col_whole_cycle")), "%"]
    percent = {i for i, h in enumerate(sum_header) if h == "%"}
    total = _summary_row(sheet.total, cols, bool(staged))
    total[0] = render(Msg("recap.total"))
    sum_rows = [[_cell(summary, v, percent=i in percent) for i, v in enumerate(row)]
                for row in (_summary_row(t, cols, bool(staged)) for t in sheet.units)]
    sum_rows.append([_cell(summary, v, percent=i in percent, font=BOLD) for i, v in enumerate(total)])
    _table(summary, [render(Msg("recap.title_summary")), title], sum_header, sum_rows,
           widths=[30, 10] + [12] * (len(sum_header) - 2))

    jpl = book.create_sheet(render(Msg("recap.sheet_jp"))[:31])
    jp_header = [render(Msg(k)) for k in PEOPLE_COLUMNS] + [render(Msg("recap.col_jp"))]
    jp_rows: list[list[object]] = [
        [n, r.nip, r.nama, r.jabatan, r.unit_kerja, float(sheet.jp.get(r.employee_id, 0))]
        for n, r in enumerate(sheet.rows, 1)]
    _table(jpl, [render(Msg("recap.title_jp")), title], jp_header, jp_rows, widths=[5, 21, 28, 26, 26, 10])
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


def _cell(ws: WriteOnlyWorksheet, value: object, *, font: Font | None = None, fill: PatternFill | None = None,
          percent: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    if percent:
        cell.number_format = "0.0%"
    return cell


def _table(ws: WriteOnlyWorksheet, titles: Sequence[str], header: Sequence[str],
           body: Sequence[Sequence[object]], *, widths: Sequence[int], group: Sequence[object] = ()) -> None:
    """Two title lines, a row above the header (a group label), the header
    in row 4 and the body below it; frozen, filtered, printable. In
    write-only mode everything about the sheet is set before its rows."""
    top = 4
    for j, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(j)].width = width
    ws.freeze_panes = f"A{top + 1}"
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(header))}{top + max(len(body), 1)}"
    ws.print_title_rows = f"{top}:{top}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.append([_cell(ws, titles[0], font=Font(bold=True, size=13))])
    ws.append([_cell(ws, titles[1])])
    ws.append(list(group))
    ws.append([_cell(ws, text, font=BOLD, fill=HEADER_FILL) for text in header])
    for row in body:
        ws.append(row)
