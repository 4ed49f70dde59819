"""Declarative form and program specs, validated at start-up.

A spec is YAML with one fixed vocabulary. Anything unknown or mistyped fails
with the file, the path of the offending key and, for a misspelt key, the
closest valid spelling.
"""

from __future__ import annotations

import calendar
import difflib
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from flows.jp import JpRule
from flows.validators import BUILTIN_OPTIONS, FIELD_TYPES

GrowStage = Literal["G", "R", "O", "W"]
Role = Literal["coachee", "coach"]


class SpecError(Exception):
    """A spec file that cannot be used; the message names file and problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Option(_Strict):
    value: str
    label: str


class Field_(_Strict):
    name: str
    type: str
    label: str
    hint: str | None = None
    required: bool = True
    options: tuple[Option, ...] = ()
    max_len: int | None = None
    # True where the field is not on the seed's paper form (e.g. taken from
    # the guideline's discussion guide); shown as such in the summary.
    extension: bool = False

    @field_validator("type")
    @classmethod
    def _known_type(cls, v: str) -> str:
        if v not in FIELD_TYPES:
            raise ValueError(f"unknown field type {v!r}{_did_you_mean(v, FIELD_TYPES)}")
        return v

    @model_validator(mode="after")
    def _options_match_type(self) -> Field_:
        if self.type == "choice" and not self.options:
            raise ValueError("a choice field needs options")
        if self.type != "choice" and self.options:
            raise ValueError(f"options are only for type choice, not {self.type}")
        return self


class Section(_Strict):
    id: str
    title: str
    grow: GrowStage | None = None
    hints: tuple[str, ...] = ()
    fields: tuple[Field_, ...] = Field(min_length=1)


class FormSpec(_Strict):
    id: str
    version: int = Field(ge=1)
    title: str
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> FormSpec:
        seen: set[str] = set()
        for f in self.fields:
            if f.name in seen:
                raise ValueError(f"field name {f.name!r} is used twice")
            seen.add(f.name)
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


class MonthDay(_Strict):
    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _real_day(self) -> MonthDay:
        try:
            date(2024, self.month, self.day)  # a leap year, so 02-29 is allowed
        except ValueError:
            raise ValueError(f"{self.month:02d}-{self.day:02d} is not a day of the year") from None
        return self

    def on(self, year: int) -> date:
        if (self.month, self.day) == (2, 29) and not calendar.isleap(year):
            return date(year, 2, 28)
        return date(year, self.month, self.day)


class Window(_Strict):
    opens: MonthDay
    closes: MonthDay

    @model_validator(mode="after")
    def _in_order(self) -> Window:
        if (self.closes.month, self.closes.day) < (self.opens.month, self.opens.day):
            raise ValueError("the window closes before it opens")
        return self

    @field_validator("opens", "closes", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str):
            try:
                m, d = v.split("-")
                return {"month": int(m), "day": int(d)}
            except ValueError:
                raise ValueError(f"expected MM-DD, got {v!r}") from None
        return v


class Stage(_Strict):
    id: str
    title: str
    # Other names people use for the stage (e.g. the seed's monitoring sheet:
    # Perencanaan, Checkpoint 1); matched like the title when typed.
    aliases: tuple[str, ...] = ()
    form: str
    window: Window
    filled_by: Role = "coachee"
    confirmed_by: Role | None = "coach"
    jp: JpRule | None = None


class ProgramSpec(_Strict):
    id: str
    version: int = Field(ge=1)
    title: str
    stages: tuple[Stage, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_stage_ids(self) -> ProgramSpec:
        ids = [s.id for s in self.stages]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            raise ValueError(f"stage ids used twice: {sorted(dupes)}")
        return self

    def stage(self, stage_id: str) -> Stage:
        found = self.find(stage_id)
        if found is None:
            raise KeyError(stage_id)
        return found

    def find(self, stage_id: str) -> Stage | None:
        return next((s for s in self.stages if s.id == stage_id), None)


class SpecSet(BaseModel):
    """All loaded specs, cross-checked: every stage's form exists and every
    JP condition names a real field with a real option."""

    model_config = ConfigDict(frozen=True)
    forms: dict[str, FormSpec]
    programs: dict[str, ProgramSpec]

    def form_for(self, program_id: str, stage_id: str) -> FormSpec:
        return self.forms[self.programs[program_id].stage(stage_id).form]

    def message_keys(self) -> set[str]:
        keys: set[str] = set()
        for form in self.forms.values():
            keys.add(form.title)
            for s in form.sections:
                keys.add(s.title)
                keys.update(s.hints)
                for f in s.fields:
                    keys.add(f.label)
                    if f.hint:
                        keys.add(f.hint)
                    keys.update(o.label for o in f.options)
        for prog in self.programs.values():
            keys.add(prog.title)
            keys.update(s.title for s in prog.stages)
            keys.update(k for s in prog.stages if s.jp for k in s.jp.message_keys())
        return keys


def _did_you_mean(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _format_errors(source: str, model: type[BaseModel], err: ValidationError) -> str:
    lines = []
    for e in err.errors():
        path = _path(e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            known = _keys_at(model, e["loc"][:-1])
            msg = f"unknown key{_did_you_mean(key, known)}"
        elif e["type"].endswith("_type") or e["type"].endswith("_parsing"):
            msg = f"expected {e['type'].split('_')[0]}: {msg}"
        lines.append(f"{source}: {path}: {msg}")
    return "\n".join(lines)


def _path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top)"


def _keys_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """Valid keys of the nested model that `loc` points into."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        info = current.model_fields.get(part) if hasattr(current, "model_fields") else None
        if info is None:
            return []
        current = _inner_model(info.annotation)
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _inner_model(annotation: Any) -> Any:
    for arg in getattr(annotation, "__args__", ()):
        found = _inner_model(arg)
        if found is not None:
            return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def parse_spec(text: str, source: str) -> FormSpec | ProgramSpec:
    """Parse one YAML spec; `kind: form` or `kind: program` picks the schema."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise SpecError(f"{source}: not valid YAML: {e}") from None
    if not isinstance(data, dict):
        raise SpecError(f"{source}: expected a mapping at the top")
    kind = data.pop("kind", None)
    models: dict[str, type[FormSpec] | type[ProgramSpec]] = {
        "form": FormSpec,
        "program": ProgramSpec,
    }
    if kind not in models:
        raise SpecError(f"{source}: kind: expected 'form' or 'program'{_did_you_mean(str(kind), models)}")
    model = models[kind]
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise SpecError(_format_errors(source, model, e)) from None


def build_spec_set(specs: list[tuple[str, FormSpec | ProgramSpec]]) -> SpecSet:
    forms: dict[str, FormSpec] = {}
    programs: dict[str, ProgramSpec] = {}
    where: dict[str, str] = {}
    for source, spec in specs:
        bucket: dict[str, Any] = forms if isinstance(spec, FormSpec) else programs
        if spec.id in bucket:
            raise SpecError(f"{source}: id {spec.id!r} is already defined in {where[spec.id]}")
        bucket[spec.id] = spec
        where[spec.id] = source
    for pid, prog in programs.items():
        for i, stage in enumerate(prog.stages):
            loc = f"{where[pid]}: stages[{i}]"
            if stage.form not in forms:
                raise SpecError(f"{loc}.form: unknown form {stage.form!r}{_did_you_mean(stage.form, forms)}")
            if stage.jp:
                _check_jp(loc, stage.jp, forms[stage.form])
    return SpecSet(forms=forms, programs=programs)


def _check_jp(loc: str, rule: JpRule, form: FormSpec) -> None:
    names = [f.name for f in form.fields]
    for name in rule.fields_used():
        if name not in names:
            raise SpecError(f"{loc}.jp: unknown field {name!r}{_did_you_mean(name, names)}")
    for name, value in rule.conditions():
        values = [v for v, _ in _options(form.field(name))]
        if values and value not in values:
            raise SpecError(f"{loc}.jp: {name}: {value!r} is not one of {values}")


def _options(f: Field_) -> tuple[tuple[str, str], ...]:
    return tuple((o.value, o.label) for o in f.options) or BUILTIN_OPTIONS.get(f.type, ())


BUNDLED = Path(__file__).parent


def load_specs(*dirs: Path, programs: list[str] | None = None) -> SpecSet:
    """Load every *.yaml under forms/ and programs/ of the given directories
    (the bundled set by default), keeping only the named programs if given."""
    roots = dirs or (BUNDLED,)
    parsed: list[tuple[str, FormSpec | ProgramSpec]] = []
    for root in roots:
        for path in sorted([*root.glob("forms/*.yaml"), *root.glob("programs/*.yaml")]):
            parsed.append((str(path), parse_spec(path.read_text(encoding="utf-8"), str(path))))
    specs = build_spec_set(parsed)
    if programs:
        unknown = [p for p in programs if p not in specs.programs]
        if unknown:
            raise SpecError(f"BINA_PROGRAMS: unknown program(s) {unknown}; known: {sorted(specs.programs)}")
        specs = SpecSet(forms=specs.forms, programs={p: specs.programs[p] for p in programs})
    return specs
