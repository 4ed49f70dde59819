"""Roster rows: the columns, their checks, and what a bad row is.

Pure: the caller reads the file and knows which NIPs already exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

COLUMNS = (
    "nip", "nama", "jabatan", "pangkat_golongan", "level", "unit_utama", "unit_kerja",
    "nip_atasan", "telepon", "email", "peran", "zona_waktu",
)
# Optional last columns, in this order; either may be left out.
OPTIONAL_COLUMNS = ("nip_penilai", "talenta")
# coach_profesi: may be asked to coach in the Profesi/Talenta programs.
# kepala_unit: the Kepala Unit Kerja / Satuan Kerja, who signs the unit's
# Bukti Keterangan and certificates (K:848, K:1093).
HEAD_ROLE = "kepala_unit"
ROLES = frozenset({"pic", "koordinator", "pembina", "admin", "coach_profesi", HEAD_ROLE})
YES = frozenset({"ya", "y", "yes", "1", "true", "x"})
NO = frozenset({"", "tidak", "t", "no", "n", "0", "false", "-"})
LEVELS = frozenset({"madya", "muda", "pertama"})
ZONE_ALIASES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
# Indonesia's IANA zones; any of them may be named directly.
ZONES = frozenset({*ZONE_ALIASES.values(), "Asia/Pontianak"})


@dataclass(frozen=True, slots=True)
class RosterRow:
    row: int
    nip: str
    nama: str
    jabatan: str
    pangkat_golongan: str
    level: str | None
    unit_utama: str
    unit_kerja: str
    nip_atasan: str | None
    phone: str | None
    email: str | None
    roles: frozenset[str]
    timezone: str | None
    nip_penilai: str | None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    key: str
    params: dict[str, Any] = field(default_factory=dict)


class HeaderError(ValueError):
    pass


def check_header(header: Sequence[str]) -> tuple[str, ...]:
    """Validate the header; returns every column it has, in file order."""
    names = [h.strip().lower() for h in header]
    while names and not names[-1]:
        names.pop()
    extra = names[len(COLUMNS):]
    in_order = [c for c in OPTIONAL_COLUMNS if c in extra]
    if tuple(names[: len(COLUMNS)]) != COLUMNS or extra != in_order:
        raise HeaderError(",".join(COLUMNS) + "".join(f"[,{c}]" for c in OPTIONAL_COLUMNS))
    return tuple(names)


def normalize_phone(raw: str) -> str | None:
    """+62 812…, 62812…, 0812… all become 62812…; None if not a number."""
    digits = re.sub(r"[\s\-().]", "", raw or "")
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    return digits if 8 <= len(digits) <= 16 else None


def _nip_ok(nip: str, allow_short: bool) -> bool:
    return nip.isdigit() and (len(nip) == 18 or (allow_short and len(nip) == 10))


def parse_rows(
    rows: Iterable[tuple[int, Sequence[Any]]],
    *,
    allow_short_nip: bool,
    known_nips: Iterable[str] = (),
    columns: Sequence[str] = COLUMNS + OPTIONAL_COLUMNS,
) -> tuple[list[RosterRow], list[RowError]]:
    """Check data rows (numbered as in the file). Good rows come back in
    file order; each bad row is reported once with its first problem."""
    good: dict[str, RosterRow] = {}
    errors: list[RowError] = []
    seen_rows: dict[str, int] = {}
    for number, cells in rows:
        values = [_cell(c) for c in cells]
        if not any(values):
            continue
        record = {c: "" for c in OPTIONAL_COLUMNS} | dict(zip(columns, values, strict=False))
        record = {c: record.get(c, "") for c in (*COLUMNS, *OPTIONAL_COLUMNS)}
        problem = _check(number, record, allow_short_nip)
        if isinstance(problem, RowError):
            errors.append(problem)
            continue
        if problem.nip in seen_rows:
            errors.append(RowError(number, "roster.error.duplicate", {"first": seen_rows[problem.nip]}))
            good.pop(problem.nip, None)
            continue
        seen_rows[problem.nip] = number
        good[problem.nip] = problem
    # Superiors must exist, in this file or already in the database.
    known = set(known_nips) | set(good)
    for nip, row in list(good.items()):
        for col, ref in (("nip_atasan", row.nip_atasan), ("nip_penilai", row.nip_penilai)):
            if ref is None:
                continue
            if ref == nip:
                errors.append(RowError(row.row, "roster.error.self_superior", {"column": col}))
            elif ref not in known:
                errors.append(RowError(row.row, "roster.error.unknown_superior",
                                       {"column": col, "nip": ref}))
            else:
                continue
            good.pop(nip)
            break
    errors.sort(key=lambda e: e.row)
    return list(good.values()), errors


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _check(number: int, r: dict[str, str], allow_short: bool) -> RosterRow | RowError:
    nip = r["nip"].replace(" ", "")
    if not nip:
        return RowError(number, "roster.error.nip_missing")
    if not _nip_ok(nip, allow_short):
        key = "roster.error.nip_short" if nip.isdigit() and len(nip) == 10 else "roster.error.nip_format"
        return RowError(number, key, {"nip": nip})
    for col in ("nama", "unit_utama", "unit_kerja"):
        if not r[col]:
            return RowError(number, "roster.error.required", {"column": col})
    level = r["level"].lower() or None
    if level is not None and level not in LEVELS:
        return RowError(number, "roster.error.level", {"value": r["level"]})
    roles = frozenset(p.strip().lower() for p in r["peran"].split(",") if p.strip())
    if roles - ROLES:
        return RowError(number, "roster.error.role", {"value": ", ".join(sorted(roles - ROLES))})
    zone = r["zona_waktu"]
    if zone:
        zone = ZONE_ALIASES.get(zone.upper(), zone)
        if zone not in ZONES:
            return RowError(number, "roster.error.zone", {"value": r["zona_waktu"]})
    phone = None
    if r["telepon"]:
        phone = normalize_phone(r["telepon"])
        if phone is None:
            return RowError(number, "roster.error.phone", {"value": r["telepon"]})
    talenta = r["talenta"].lower()
    if talenta not in YES | NO:
        return RowError(number, "roster.error.flag", {"column": "talenta", "value": r["talenta"]})
    refs: dict[str, str | None] = {}
    for col in ("nip_atasan", "nip_penilai"):
        ref = r[col].replace(" ", "") or None
        if ref is not None and not _nip_ok(ref, allow_short):
            return RowError(number, "roster.error.superior_format", {"column": col, "nip": ref})
        refs[col] = ref
    return RosterRow(
        row=number, nip=nip, nama=r["nama"], jabatan=r["jabatan"],
        pangkat_golongan=r["pangkat_golongan"], level=level, unit_utama=r["unit_utama"],
        unit_kerja=r["unit_kerja"], nip_atasan=refs["nip_atasan"], phone=phone,
        email=r["email"] or None, roles=roles, timezone=zone or None,
        nip_penilai=refs["nip_penilai"], flags=frozenset({"talenta"} if talenta in YES else ()),
    )
