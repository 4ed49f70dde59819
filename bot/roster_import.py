"""Reading a roster file (CSV or the first sheet of an XLSX) into the database."""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from bot.i18n import Catalogs
from flows.messages import Msg
from flows.roster import HeaderError, RowError, check_header, parse_rows
from storage import repo
from storage.db import Database

PROGRESS_EVERY = 1000


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    header_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.header_error is None and not self.errors


def read_table(path: Path) -> Iterator[Sequence[Any]]:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        workbook = load_workbook(path, read_only=True, data_only=True)
        try:
            yield from workbook.worksheets[0].iter_rows(values_only=True)
        finally:
            workbook.close()
        return
    with path.open(encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        yield from csv.reader(fh, delimiter=delimiter)


async def import_roster(
    db: Database, path: Path, now: datetime, *, allow_short_nip: bool,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    table = list(read_table(path))
    if not table:
        report.header_error = "empty file"
        return report
    try:
        columns = check_header([str(c or "") for c in table[0]])
    except HeaderError as e:
        report.header_error = str(e)
        return report
    numbered = [(i, row) for i, row in enumerate(table[1:], start=2)]
    total = len(numbered)

    def with_progress() -> Iterator[tuple[int, Sequence[Any]]]:
        for done, item in enumerate(numbered, 1):
            if progress and (done % PROGRESS_EVERY == 0 or done == total):
                progress(done, total)
            yield item

    async with db.transaction() as s:
        known = await repo.existing_nips(s)
        good, report.errors = parse_rows(with_progress(), allow_short_nip=allow_short_nip, known_nips=known,
                                         columns=columns)
        report.created, report.updated = await repo.upsert_roster(s, good, now)
    return report


def print_report(report: ImportReport, catalogs: Catalogs, lang: str, out: TextIO | None = None) -> None:
    out = out or sys.stdout
    if report.header_error is not None:
        print(catalogs.text(lang, "roster.header", expected=report.header_error), file=out)
        return
    for e in report.errors:
        reason = catalogs.render(Msg(e.key, e.params), lang)
        print(catalogs.text(lang, "roster.row_error", row=e.row, reason=reason), file=out)
    print(catalogs.text(lang, "roster.summary", created=report.created, updated=report.updated,
                        failed=len(report.errors)), file=out)
