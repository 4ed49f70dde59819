"""What a form starts with."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flows.form_spec import FormSpec


def initial_answers(spec: FormSpec, roster: Mapping[str, str], earlier: Mapping[str, str] | None = None,
                    carried: Sequence[str] = ()) -> dict[str, str]:
    answers = {f.name: roster[f.source] for f in spec.fields if f.source and f.source in roster}
    for name, value in (earlier or {}).items():
        if name.split(".")[0] in carried:
            answers[name] = value
    return answers
