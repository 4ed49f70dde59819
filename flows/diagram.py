"""Mermaid diagrams generated from the specs, so the picture never drifts."""

from __future__ import annotations

from flows.spec import Activity, ProgramSpec, SpecSet


def program_diagram(program: ProgramSpec, specs: SpecSet) -> str:
    lines = ["flowchart LR"]
    previous = None
    for activity in program.activities:
        form = specs.forms[activity.form]
        jp = ""
        if activity.jp:
            cond = ", ".join(f"{k}={v}" for k, v in activity.jp.when.items())
            jp = f"<br/>{activity.jp.amount} JP" + (f" if {cond}" if cond else "")
        lines.append(
            f'  {activity.id}["{activity.id}<br/>{_schedule(activity)}'
            f'<br/>{form.id} ({len(form.fields)} fields)'
            f'<br/>filled by {activity.filled_by}, signed by {activity.sign_by or "nobody"}{jp}"]'
        )
        if previous:
            lines.append(f"  {previous} --> {activity.id}")
        previous = activity.id
    lines += [
        "  subgraph each stage",
        "    draft -->|Kirim| submitted",
        "    submitted -->|Konfirmasi| confirmed",
        "    submitted -->|Minta perbaikan| returned",
        "    returned -->|Kirim| submitted",
        "  end",
    ]
    return "\n".join(lines) + "\n"


def _schedule(activity: Activity) -> str:
    w = activity.window
    if w is None:
        return activity.schedule.kind
    return f"{w.opens} … {w.closes}" + (" (next year)" if w.crosses_year_end else "")
