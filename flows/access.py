"""Who may monitor what: admin roles see status and counts of their own
scope only, never form answers (those go to the coachee and their coach)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

ScopeKind = Literal["unit_kerja", "unit_utama", "instansi"]


@dataclass(frozen=True, slots=True)
class Scope:
    kind: ScopeKind
    unit_id: int | None  # None for the whole instansi


def monitoring_scope(
    roles: Iterable[str], unit_kerja_id: int, unit_utama_id: int | None
) -> Scope | None:
    """The widest monitoring scope the roles give; None if none does."""
    held = set(roles)
    if "pembina" in held:
        return Scope("instansi", None)
    if "koordinator" in held and unit_utama_id is not None:
        return Scope("unit_utama", unit_utama_id)
    if "pic" in held:
        return Scope("unit_kerja", unit_kerja_id)
    return None

