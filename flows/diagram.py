"""Mermaid diagrams generated from the specs, so the picture never drifts."""

from __future__ import annotations

from flows.spec import ProgramSpec, SpecSet


def program_diagram(program: ProgramSpec, specs: SpecSet) -> str:
    lines = ["flowchart LR"]
    previous = None
    for stage in program.stages:
        form = specs.forms[stage.form]
        w = stage.window
        jp = ""
        if stage.jp:
            cond = ", ".join(f"{k}={v}" for k, v in stage.jp.when.items())
            jp = f"<br/>{stage.jp.amount} JP" + (f" if {cond}" if cond else "")
        lines.append(
            f'  {stage.id}["{stage.id}<br/>{w.opens.month:02d}-{w.opens.day:02d} … '
            f'{w.closes.month:02d}-{w.closes.day:02d}<br/>{form.id} ({len(form.fields)} fields)'
            f'<br/>filled by {stage.filled_by}, confirmed by {stage.confirmed_by or "nobody"}{jp}"]'
        )
        if previous:
            lines.append(f"  {previous} --> {stage.id}")
        previous = stage.id
    lines += [
        "  subgraph each stage",
        "    draft -->|Kirim| submitted",
        "    submitted -->|Konfirmasi| confirmed",
        "    submitted -->|Minta perbaikan| returned",
        "    returned -->|Kirim| submitted",
        "  end",
    ]
    return "\n".join(lines) + "\n"
