"""Declarative form and program specs, validated at start-up.

A spec is YAML with one fixed vocabulary. Anything unknown or mistyped fails
with the file, the path of the offending key and, for a misspelt key, the
closest valid spelling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from flows.form_spec import Field_, FormSpec, Option, Role, Section
from flows.jp import JpRule
from flows.program_spec import (
    Activity,
    CadenceReminders,
    Enrolment,
    ProgramSpec,
    StageWindowReminders,
    Window,
)
from flows.validators import BUILTIN_OPTIONS, did_you_mean

__all__ = ["Activity", "Enrolment", "Field_", "FormSpec", "Option", "ProgramSpec", "Role", "Section",
           "SpecError", "SpecSet", "Window", "build_spec_set", "load_specs", "parse_spec"]

class SpecError(Exception):
    """A spec file that cannot be used; the message names file and problem."""


class SpecSet(BaseModel):
    """All loaded specs, cross-checked: every activity's form exists and every
    JP condition, prefill and `relevant` names a real field."""

    model_config = ConfigDict(frozen=True)
    forms: dict[str, FormSpec]
    programs: dict[str, ProgramSpec]

    def form_for(self, program_id: str, activity_id: str) -> FormSpec:
        return self.forms[self.programs[program_id].activity(activity_id).form]

    def message_keys(self) -> set[str]:
        keys: set[str] = set()
        for form in self.forms.values():
            keys |= form.message_keys()
        for prog in self.programs.values():
            keys |= prog.message_keys()
        return keys


def _format_errors(source: str, model: type[BaseModel], err: ValidationError) -> str:
    lines = []
    errors = err.errors()
    for e in errors:
        path = _path(e["loc"])
        msg = e["msg"]
        if e["type"] == "too_short" and any(o["loc"][:len(e["loc"])] == e["loc"] and o is not e
                                            for o in errors):
            continue  # a list emptied by its own invalid items: those say more
        if e["type"] == "union_tag_invalid":
            ctx = e.get("ctx", {})
            expected = [x.strip(" '") for x in str(ctx.get("expected_tags", "")).split(",")]
            msg = f"unknown kind {ctx.get('tag')!r}{did_you_mean(str(ctx.get('tag')), expected)}; " \
                  f"expected one of {expected}"
            path += ".kind"
        elif e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            known = _keys_at(model, e["loc"][:-1])
            msg = f"unknown key{did_you_mean(key, known)}"
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
        fields = getattr(current, "model_fields", {})
        if part in fields:
            current = _models_in(fields[part].annotation)
            current = current[0] if len(current) == 1 else current
        elif isinstance(current, list):
            # A tagged union (a schedule's `kind`): pydantic names the member.
            current = next((m for m in current if part in _kinds(m)), None)
        else:
            return []
    return list(current.model_fields) if hasattr(current, "model_fields") else []


def _kinds(model: Any) -> tuple[Any, ...]:
    info = getattr(model, "model_fields", {}).get("kind")
    return get_args(info.annotation) if info else ()


def _models_in(annotation: Any) -> list[Any]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


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
        raise SpecError(f"{source}: kind: expected 'form' or 'program'{did_you_mean(str(kind), models)}")
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
    forms = {fid: _extended(where[fid], form, forms) for fid, form in forms.items()}
    for pid, prog in programs.items():
        for i, activity in enumerate(prog.activities):
            _check_activity(f"{where[pid]}: activities[{i}]", activity, prog, forms)
        _check_reminders(where[pid], prog)
    return SpecSet(forms=forms, programs=programs)


def _extended(source: str, form: FormSpec, forms: dict[str, FormSpec]) -> FormSpec:
    """A form that `extends` another: the other's sections, then its own."""
    if form.extends is None:
        return form
    base = forms.get(form.extends)
    if base is None:
        raise SpecError(f"{source}: extends: unknown form {form.extends!r}"
                        f"{did_you_mean(form.extends, forms)}")
    if base.extends is not None:
        raise SpecError(f"{source}: extends: {base.id!r} itself extends another form; extend only once")
    try:
        return FormSpec.model_validate({
            **form.model_dump(by_alias=True, exclude={"extends", "sections"}),
            "sections": [s.model_dump(by_alias=True) for s in (*base.sections, *form.sections)],
        })
    except ValidationError as e:
        raise SpecError(_format_errors(source, FormSpec, e)) from None


def _check_activity(loc: str, activity: Activity, program: ProgramSpec, forms: dict[str, FormSpec]) -> None:
    form = forms.get(activity.form)
    if form is None:
        raise SpecError(f"{loc}.form: unknown form {activity.form!r}{did_you_mean(activity.form, forms)}")
    if activity.filled_by == "both" and not form.has_part_for("coach", "coachee"):
        raise SpecError(f"{loc}: filled_by both, but no section of {form.id!r} has by: coach")
    if activity.jp:
        _check_jp(loc, activity.jp, form, program)
    if activity.prefill:
        for other in activity.prefill.from_:
            names = {f.name for f in forms[program.activity(other).form].fields}
            for name in activity.prefill.fields:
                if name not in names or name not in {f.name for f in form.fields}:
                    raise SpecError(f"{loc}.prefill: field {name!r} is not in both {form.id!r} "
                                    f"and the form of {other!r}")


def _check_jp(loc: str, rule: JpRule, form: FormSpec, program: ProgramSpec) -> None:
    names = [f.name for f in form.fields]
    for name in rule.fields_used():
        if name not in names:
            raise SpecError(f"{loc}.jp: unknown field {name!r}{did_you_mean(name, names)}")
    for name, value in rule.conditions():
        values = [v for v, _ in _options(form.field(name))]
        if values and value not in values:
            raise SpecError(f"{loc}.jp: {name}: {value!r} is not one of {values}")
    ids = [a.id for a in program.activities]
    if rule.held_until is not None and rule.held_until not in ids:
        raise SpecError(f"{loc}.jp.held_until: unknown activity {rule.held_until!r}"
                        f"{did_you_mean(rule.held_until, ids)}")


def _check_reminders(source: str, program: ProgramSpec) -> None:
    ids = [a.id for a in program.activities]
    windowed = [a.id for a in program.activities if a.window]
    for i, rule in enumerate(program.reminders):
        if isinstance(rule, CadenceReminders):
            named = [(f"reminders[{i}].activity", rule.activity)]
        elif isinstance(rule, StageWindowReminders):
            named = [(f"reminders[{i}].activities[{j}]", a) for j, a in enumerate(rule.activities)]
        else:
            named = []
        for loc, name in named:
            if name not in ids:
                raise SpecError(f"{source}: {loc}: unknown activity {name!r}{did_you_mean(name, ids)}")
            if isinstance(rule, StageWindowReminders) and name not in windowed:
                raise SpecError(f"{source}: {loc}: {name!r} has no window to remind about")


def _options(f: Field_) -> tuple[tuple[str, str], ...]:
    return tuple((o.value, o.label) for o in f.options) or BUILTIN_OPTIONS.get(f.type, ())


BUNDLED = Path(__file__).parent
# A deployment serves one instansi; without BINA_PROGRAMS it runs Kemenkes's
# programs. Other agencies' programs are bundled too and switched on by name.
DEFAULT_PROGRAMS = ("kemenkes_tetap", "kemenkes_profesi", "kemenkes_talenta")


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
