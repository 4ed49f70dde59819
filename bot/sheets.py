"""The seed's monitoring sheets as files a PIC opens on a laptop and prints.

XLSX (XlsxWriter, which writes a koordinator's 20,000 rows faster than
openpyxl; openpyxl reads the rosters): the *Lembar Rekapitulasi Status
Pengisian* (K:1348-1353: No, NIP, Nama, Jabatan, Unit Kerja, then one
column per stage under "Status Coaching"), and each person's JP of the
year beside them as the pembina's sheet has them (K:1894-1902), with its
header frozen, filters on, and set up to print landscape, fit to width,
the header repeated on every page; a summary sheet per unit with
percentages and the share who completed the whole cycle; a JPL sheet,
/jpl's table: per unit the Persentase Pengisian and JP. CSV: the status
sheet alone. Words in the reader's language; statuses and counts only,
never answers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from flows.messages import Msg
from flows.program_spec import ProgramSpec
from flows.recap import Column, Row, Tally, cell, columns, jp_figures

Render = Callable[[Msg], str]
PEOPLE_COLUMNS = ("recap.col_no", "recap.col_nip", "recap.col_nama", "recap.col_jabatan", "recap.col_unit")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOP = 3  # the header's row (from 0): two title lines and a group band above it


@dataclass(frozen=True, slots=True)
class Sheet:
    """What one export is about, and what it holds."""

    program: ProgramSpec
    title: Msg  # program, scope and year, as a line
    rows: Sequence[Row]
    units: Sequence[Tally]
    total: Tally
    jp: Mapping[int, Decimal]  # by employee id
    jp_units: Sequence[Tally]  # the JPL sheet's lines, in order
    ranked: bool  # the JPL sheet ranks them (unit utama, for the pembina)


def _status_table(sheet: Sheet, render: Render) -> tuple[list[str], list[list[object]]]:
    cols = columns(sheet.program)
    header = [*(render(Msg(k)) for k in PEOPLE_COLUMNS), *(render(c.label) for c in cols),
              render(Msg("recap.col_jp"))]
    words: dict[str, str] = {}  # a status word (a key, no parameters) is rendered once, not once a cell

    def word(msg: Msg) -> str:
        if msg.key not in words:
            words[msg.key] = render(msg)
        return words[msg.key]

    body: list[list[object]] = []
    for n, row in enumerate(sheet.rows, 1):
        cells = [cell(sheet.program, c, row) for c in cols]
        body.append([n, row.nip, row.nama, row.jabatan, row.unit_kerja,
                     *(v if isinstance(v, int) else word(v) for v in cells),
                     float(sheet.jp.get(row.employee_id, 0))])
    return header, body


def status_csv(sheet: Sheet, render: Render) -> bytes:
    return csv_file(*_status_table(sheet, render))


def csv_file(header: Sequence[str], body: Sequence[Sequence[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([_inert(v) for v in row] for row in body)
    return ("\ufeff" + out.getvalue()).encode()  # the BOM makes Excel read UTF-8 names right


def _inert(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @) is opened as
    text: a name in the roster or a detail in the audit log runs nothing."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def status_xlsx(sheet: Sheet, render: Render) -> bytes:
    out = io.BytesIO()
    # Constant memory: each row goes to a temporary file as it is written, not
    # kept as cell objects; formulas and links are never read into names.
    book = Workbook(out, {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    styles = Styles(book)
    title = render(sheet.title)
    _status_sheet(book, styles, sheet, render, title)
    _summary_sheet(book, styles, sheet, render, title)
    _jp_sheet(book, styles, sheet, render, title)
    book.close()
    return out.getvalue()


class Styles:
    """The workbook's few cell formats, made once."""

    def __init__(self, book: Workbook) -> None:
        self.title = book.add_format({"bold": True, "font_size": 13})
        self.bold = book.add_format({"bold": True})
        self.header = book.add_format({"bold": True, "bg_color": "#DDEBF7", "text_wrap": True,
                                       "valign": "vcenter"})
        self.percent = book.add_format({"num_format": "0.0%"})
        self.bold_percent = book.add_format({"num_format": "0.0%", "bold": True})


def _status_sheet(book: Workbook, styles: Styles, sheet: Sheet, render: Render, title: str) -> None:
    ws = book.add_worksheet(render(Msg("recap.sheet_status"))[:31])
    stages = len(columns(sheet.program))
    header, body = _status_table(sheet, render)
    _frame(ws, styles, [render(Msg("recap.title_status")), title], header, len(body),
           widths=[5, 21, 28, 26, 26] + [16] * stages + [10])
    band, first = render(Msg("recap.group_status")), len(PEOPLE_COLUMNS)
    if stages > 1:
        ws.merge_range(TOP - 1, first, TOP - 1, first + stages - 1, band, styles.bold)
    elif stages:
        ws.write_string(TOP - 1, first, band, styles.bold)
    ws.write_row(TOP, 0, header, styles.header)
    for r, row in enumerate(body, TOP + 1):
        ws.write_row(r, 0, row)


def _summary_sheet(book: Workbook, styles: Styles, sheet: Sheet, render: Render, title: str) -> None:
    ws = book.add_worksheet(render(Msg("recap.sheet_summary"))[:31])
    cols = columns(sheet.program)
    staged = [c for c in cols if not c.counts]
    header = [render(Msg("recap.col_unit")), render(Msg("recap.col_people"))]
    for c in cols:
        header += [render(c.label), "%"]
    if staged:
        header += [render(Msg("recap.col_whole_cycle")), "%"]
    rows = [_summary_row(t, cols, bool(staged)) for t in sheet.units]
    total = _summary_row(sheet.total, cols, bool(staged))
    total[0] = render(Msg("recap.total"))
    _frame(ws, styles, [render(Msg("recap.title_summary")), title], header, len(rows) + 1,
           widths=[30, 10] + [12] * (len(header) - 2))
    ws.write_row(TOP, 0, header, styles.header)
    percent = {i for i, h in enumerate(header) if h == "%"}
    for r, row in enumerate([*rows, total], TOP + 1):
        last = r == TOP + 1 + len(rows)
        for i, value in enumerate(row):
            ws.write(r, i, value, _style(styles, bold=last, percent=i in percent))


def _jp_sheet(book: Workbook, styles: Styles, sheet: Sheet, render: Render, title: str) -> None:
    """/jpl's table: per unit, the Persentase Pengisian and the JP of the
    year; the pembina's unit utama by rank."""
    ws = book.add_worksheet(render(Msg("recap.sheet_jp"))[:31])
    keys = ("recap.col_rank", "recap.col_unit_utama") if sheet.ranked else ("recap.col_no", "recap.col_unit")
    header = [render(Msg(k)) for k in (*keys, "recap.col_people", "recap.col_whole_cycle", "recap.col_share",
                                       "recap.col_jp_average", "recap.col_jp_reached")]
    share = 4  # the Persentase Pengisian
    lines = [*((n, t) for n, t in enumerate(sheet.jp_units, 1)), (None, sheet.total)]
    _frame(ws, styles, [render(Msg("recap.title_jp")), title], header, len(lines),
           widths=[10, 30, 10, 14, 14, 12, 14])
    ws.write_row(TOP, 0, header, styles.header)
    for r, (n, t) in enumerate(lines, TOP + 1):
        figures = jp_figures(t, sheet.jp)
        values = [n, t.unit or render(Msg("recap.total")), t.total, t.whole_cycle, t.share(t.whole_cycle),
                  float(figures.average), figures.reached]
        for i, value in enumerate(values):
            ws.write(r, i, value, _style(styles, bold=n is None, percent=i == share))


def _style(styles: Styles, *, bold: bool, percent: bool) -> Format | None:
    if percent:
        return styles.bold_percent if bold else styles.percent
    return styles.bold if bold else None


def _summary_row(t: Tally, cols: Sequence[Column], whole: bool) -> list[object]:
    row: list[object] = [t.unit, t.total]
    for c in cols:
        row += [t.done[c.activity.id], t.share(t.done[c.activity.id])]
    if whole:
        row += [t.whole_cycle, t.share(t.whole_cycle)]
    return row


def _frame(ws: Worksheet, styles: Styles, titles: Sequence[str], header: Sequence[str], rows: int, *,
           widths: Sequence[int]) -> None:
    """Two title lines, the header below a group band, the body below it;
    frozen, filtered, printable. Rows are written in order after this (the
    sheet is streamed)."""
    for j, width in enumerate(widths):
        ws.set_column(j, j, width)
    ws.freeze_panes(TOP + 1, 0)
    ws.autofilter(TOP, 0, TOP + max(rows, 1), len(header) - 1)
    ws.repeat_rows(TOP)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, titles[0], styles.title)
    ws.write_string(1, 0, titles[1])
