"""Mermaid diagrams generated from the specs and the transition tables, so
the picture never drifts from what runs."""

from __future__ import annotations

from flows.jp import JpRule
from flows.spec import Activity, ProgramSpec, SpecSet
from flows.workflow import ENROLMENT_MOVES, FORM_MOVES


def program_diagram(program: ProgramSpec, specs: SpecSet) -> str:
    lines = ["flowchart LR", f'  enrol(["{_enrolment(program)}"])']
    previous = "enrol"
    for activity in program.activities:
        form = specs.forms[activity.form]
        lines.append(
            f'  {activity.id}["{activity.id}<br/>{_schedule(activity)}'
            f'<br/>{form.id} ({len(form.fields)} fields)'
            f'<br/>filled by {activity.filled_by}, signed by {activity.sign_by or "nobody"}'
            f'{_jp(activity.jp)}"]'
        )
        if activity.part_of:
            lines.append(f"  {activity.part_of} -. same stage .- {activity.id}")
            continue
        arrow = "-->" if activity.schedule.kind != "log" else "-.->"
        lines.append(f"  {previous} {arrow} {activity.id}")
        if activity.schedule.kind != "log":
            previous = activity.id
        if activity.jp and activity.jp.held_until not in (None, activity.id):
            lines.append(f"  {activity.jp.held_until} -. releases JP .-> {activity.id}")
    lines += _table("each form", FORM_MOVES)
    if program.enrolment.mode == "request":
        lines += _table("each request", ENROLMENT_MOVES)
    return "\n".join(lines) + "\n"


def _table(title: str, moves: dict[tuple[str, str], str]) -> list[str]:
    prefix = "e_" if "request" in title else "f_"
    out = [f"  subgraph {title}"]
    out += [f"    {prefix}{a}[{a}] -->|{action}| {prefix}{b}[{b}]" for (a, action), b in moves.items()]
    return [*out, "  end"]


def _enrolment(program: ProgramSpec) -> str:
    rule = program.enrolment
    who = f"people with {rule.flag}" if rule.flag else "everyone"
    if rule.mode == "automatic":
        return f"{who}, with the roster's coach"
    return f"{who} may ask a {rule.coaches} to coach them"


def _schedule(activity: Activity) -> str:
    w = activity.window
    if w is None:
        return {"sequence": "in order", "log": "any number of entries"}.get(activity.schedule.kind, "")
    return f"{w.opens} … {w.closes}" + (" (next year)" if w.crosses_year_end else "")


def _jp(rule: JpRule | None) -> str:
    if rule is None:
        return ""
    worth = f"{rule.amount} JP" if rule.amount is not None else f"hours in {rule.hours_field}"
    parts = [worth]
    if rule.when:
        parts[0] += " if " + ", ".join(f"{k}={v}" for k, v in rule.when.items())
    parts += [f"{alt.amount} JP if " + ", ".join(f"{k}={v}" for k, v in alt.when.items())
              for alt in rule.amount_when]
    if rule.max_times_per_month:
        parts.append(f"at most {rule.max_times_per_month} a month")
    if rule.max_jp_per_day:
        parts.append(f"at most {rule.max_jp_per_day} JP a day")
    if rule.bonus:
        cond = ", ".join(f"{k}={v}" for k, v in rule.bonus.when.items())
        parts.append(f"+{rule.bonus.percent}%" + (f" if {cond}" if cond else ""))
    if rule.held_until:
        parts.append(f"credited when {rule.held_until} is complete")
    return "<br/>" + "; ".join(parts)
