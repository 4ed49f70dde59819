"""The vocabulary of a form spec: sections of fields, who fills which
section, rows that repeat, fields that depend on another answer, and fields
taken from the roster."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from flows.validators import FIELD_TYPES, did_you_mean

Role = Literal["coachee", "coach"]

# Roster facts a field may be filled from (`source:`). Shown read-only for
# type `identity`; an editable starting value for any other type.
ROSTER_SOURCES = tuple(
    f"{who}.{fact}" for who in ("coachee", "coach")
    for fact in ("nama", "nip", "jabatan", "pangkat_golongan", "unit_kerja", "unit_utama", "email",
                 "phone")
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    value: str
    label: str


class Relevant(_Strict):
    """Ask the field only when another answer is one of the given values."""

    field: str
    is_: tuple[str, ...] = Field(alias="is", min_length=1)

    @field_validator("is_", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return (v,) if isinstance(v, str) else v


class Field_(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    type: str
    label: str
    # A few words for the field where a monitoring line names it (a rating's
    # average in /rekap) and the question itself is too long; else `label`.
    short_label: str | None = None
    hint: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    max_len: int | None = None
    # True where the field is not on the seed's paper form (e.g. taken from
    # the guideline's discussion guide); shown as such in the summary.
    extension: bool = False
    source: str | None = None
    relevant: Relevant | None = None

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in FIELD_TYPES:
            raise ValueError(f"unknown field type {v!r}{did_you_mean(v, FIELD_TYPES)}")
        return v

    @field_validator("source")
    @classmethod
    def _known_source(cls, v: str | None) -> str | None:
        if v is not None and v not in ROSTER_SOURCES:
            raise ValueError(f"unknown source {v!r}{did_you_mean(v, ROSTER_SOURCES)}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Field_:
        if self.type == "choice" and not self.options:
            raise ValueError("a choice field needs options")
        if self.type not in ("choice", "scale") and self.options:
            raise ValueError(f"options are only for types choice and scale, not {self.type}")
        if self.type == "identity" and self.source is None:
            raise ValueError("an identity field needs a source (e.g. coachee.nama)")
        return self

    @property
    def read_only(self) -> bool:
        return self.type == "identity"


class Repeat(_Strict):
    """The section is a row asked at least `min` and at most `max` times
    (RHK / IKI / Target: one to five rows, K:903)."""

    min: int = Field(default=1, ge=0)
    max: int = Field(ge=1, le=20)

    @model_validator(mode="after")
    def _in_order(self) -> Repeat:
        if self.max < max(self.min, 1):
            raise ValueError("max must be at least min (and at least 1)")
        return self


class Section(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    grow: Literal["G", "R", "O", "W"] | None = None
    hints: tuple[str, ...] = ()
    # Who fills the section when both do (Profesi forms, K:1743); unset means
    # whoever fills the activity (the coachee when both do).
    by: Role | None = None
    repeat: Repeat | None = None
    fields: tuple[Field_, ...] = Field(min_length=1)


class FormSpec(_Strict):
    id: str
    version: int = Field(ge=1)
    title: str
    # Another form this one adds sections to (resolved when the set is built).
    extends: str | None = None
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> FormSpec:
        for kind, names in (("field name", [f.name for f in self.fields]),
                            ("section id", [s.id for s in self.sections])):
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{kind} {twice[0]!r} is used twice")
        for f in self.fields:
            if f.relevant and f.relevant.field not in {g.name for g in self.fields}:
                raise ValueError(f"{f.name}.relevant: unknown field {f.relevant.field!r}")
        return self

    @property
    def fields(self) -> tuple[Field_, ...]:
        return tuple(f for s in self.sections for f in s.fields)

    def section_of(self, index: int) -> Section:
        i = 0
        for s in self.sections:
            i += len(s.fields)
            if index < i:
                return s
        raise IndexError(index)

    def field(self, name: str) -> Field_:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has_part_for(self, role: Role, default: Role) -> bool:
        return any((s.by or default) == role for s in self.sections)

    def message_keys(self) -> set[str]:
        keys = {self.title}
        for s in self.sections:
            keys.add(s.title)
            keys.update(s.hints)
            for f in s.fields:
                keys.add(f.label)
                keys.update(k for k in (f.short_label, f.hint) if k)
                keys.update(o.label for o in f.options)
        return keys
