"""The documents a program gives (K:829-858, K:1091-1103): what each one
states, as facts kept with its verification code, so the same code always
prints the same document. Rendering them is the bot's (bot/documents.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict

Kind = Literal["bukti_keterangan", "certificate_coachee", "certificate_coach"]
# Short names for buttons (callback data is at most 64 bytes).
KIND_CODES: dict[Kind, str] = {
    "bukti_keterangan": "b", "certificate_coachee": "ce", "certificate_coach": "co"}
ROMAN = ("I", "II", "III", "IV")

# No 0/O, 1/I/L: a code is read off paper and typed.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12


def quarter_of(day: date) -> int:
    return (day.month - 1) // 3 + 1


def quarters_so_far(year: int, today: date) -> range:
    """A year's quarters up to today's (all four of a past year)."""
    return range(1, (quarter_of(today) if year == today.year else 4) + 1)


def quarter_span(year: int, quarter: int) -> tuple[date, date]:
    """The quarter's first and last day (Triwulan III: 1 July to 30 September)."""
    first = date(year, 3 * quarter - 2, 1)
    last = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, date.fromordinal(last.toordinal() - 1)


def period_of_quarter(year: int, quarter: int) -> str:
    return f"{year}-Q{quarter}"


def parse_quarter(period: str) -> tuple[int, int] | None:
    """(year, quarter) of "2026-Q3"; None for anything else (a forged button)."""
    year, sep, quarter = period.partition("-Q")
    if not (sep and year.isdigit() and len(year) == 4 and quarter in ("1", "2", "3", "4")):
        return None
    return int(year), int(quarter)


def format_code(raw: str) -> str:
    """ABCD-EFGH-JKMN: in groups of four, as printed."""
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalise_code(typed: str) -> str | None:
    """The code as stored, from what someone typed (any case, dashes or
    spaces anywhere); None if it cannot be one."""
    raw = "".join(ch for ch in typed.upper() if ch not in " -")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return raw


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Facts):
    """A person as the document names them (PEGAWAI YANG DINILAI, K:833)."""

    nama: str
    nip: str
    pangkat: str = ""
    jabatan: str = ""
    unit: str = ""


class Signer(_Facts):
    """The Kepala Unit Kerja / Satuan Kerja who signs (K:848-852)."""

    nama: str
    nip: str
    jabatan: str = ""


class ProofFacts(_Facts):
    """A Bukti Keterangan: N is the JP of the dialogs held in the quarter."""

    year: int
    quarter: int
    issuer: str
    pegawai: Party
    penilai: Party | None
    jp: Decimal
    dialogs: int
    signer: Signer | None

    @property
    def span(self) -> tuple[date, date]:
        return quarter_span(self.year, self.quarter)

    @property
    def roman(self) -> str:
        return ROMAN[self.quarter - 1]


class CertificateFacts(_Facts):
    """A certificate of a program completed: to the coachee, or to the coach
    for the sessions they led."""

    program: str  # the program's id
    program_title: str  # its title's message key
    role: Literal["coachee", "coach"]
    holder: Party
    other: str  # the coach's name on the coachee's, the coachee's on the coach's
    sessions: int
    jp: Decimal
    first_day: date
    last_day: date
    signer: Signer | None
