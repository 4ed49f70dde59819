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


def covers(scope: Scope, unit_id: int, parent_id: int | None) -> bool:
    """Whether a unit (with its parent: None for a unit utama) lies within a
    scope: a PIC's own unit kerja; a koordinator's unit utama or one of its
    unit kerja; anything for the pembina."""
    if scope.kind == "instansi":
        return True
    if scope.kind == "unit_utama":
        return unit_id == scope.unit_id or parent_id == scope.unit_id
    return unit_id == scope.unit_id
