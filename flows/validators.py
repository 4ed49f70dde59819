"""Answer parsers, picked by field type name from a fixed registry.

Each parser turns what the person typed into the stored value or raises
`Invalid` with a message key; nothing here formats a sentence.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any


@dataclass(frozen=True, slots=True)
class Invalid(Exception):
    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


TEXT_MAX = 500
LONG_TEXT_MAX = 2000
# A dialog date may be logged up to this long after it took place.
DATE_MAX_AGE = timedelta(days=400)


def _text(limit: int) -> Callable[[str, date], str]:
    def parse(raw: str, today: date) -> str:
        value = raw.strip()
        if not any(c.isalnum() for c in value):
            # "-" or "." is not an answer; an optional question has its own Lewati.
            raise Invalid("error.empty")
        if len(value) > limit:
            raise Invalid("error.too_long", {"limit": limit, "length": len(value)})
        return value

    return parse


_DATE_PATTERNS = (
    re.compile(r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})$"),
    re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})$"),
)


def parse_date(raw: str, today: date, max_age: timedelta = DATE_MAX_AGE) -> str:
    """A day on or before today and at most `max_age` back; the default
    limit is said as "a year", any other in days."""
    value = raw.strip()
    if not value:
        raise Invalid("error.empty")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(value)
        if m:
            year = int(m["y"])
            if year < 100:
                year += 2000
            try:
                parsed = date(year, int(m["m"]), int(m["d"]))
            except ValueError:
                raise Invalid("error.date_invalid", {"example": today.strftime("%d/%m/%Y")}) from None
            break
    else:
        raise Invalid("error.date_format", {"example": today.strftime("%d/%m/%Y")})
    if parsed > today:
        raise Invalid("error.date_future")
    if today - parsed > max_age:
        if max_age == DATE_MAX_AGE:
            raise Invalid("error.date_too_old")
        raise Invalid("error.date_too_old_days", {"days": max_age.days, "earliest": today - max_age})
    return parsed.isoformat()


def parse_number(raw: str, today: date) -> str:
    value = raw.strip().replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise Invalid("error.number") from None
    return str(int(number)) if number.is_integer() else str(number)


# Hours of self-study in a day (L:278): more than 24 cannot be one day's.
MAX_HOURS = 24


def parse_hours(raw: str, today: date) -> str:
    value = parse_number(raw, today)
    if not 0 < float(value) <= MAX_HOURS:
        raise Invalid("error.hours_range", {"max": MAX_HOURS})
    return value


def _read_only(raw: str, today: date) -> str:
    # Identity fields come from the roster and are never asked.
    raise Invalid("error.use_buttons")


def _choice_only(raw: str, today: date) -> str:
    # Typed text for a choice is matched against option labels by the engine;
    # reaching the parser means nothing matched.
    raise Invalid("error.use_buttons")


FIELD_TYPES: dict[str, Callable[[str, date], str]] = {
    "text": _text(TEXT_MAX),
    "long_text": _text(LONG_TEXT_MAX),
    "date": parse_date,
    "number": parse_number,
    "choice": _choice_only,
    "yes_no": _choice_only,
    "commitment": _choice_only,
    "scale": _choice_only,
    "hours": parse_hours,
    "identity": _read_only,
}

# Options built into a type rather than listed in each spec.
BUILTIN_OPTIONS: dict[str, tuple[tuple[str, str], ...]] = {
    "yes_no": (("ya", "option.ya"), ("tidak", "option.tidak")),
    "commitment": (("ya", "option.berkomitmen"),),
    "scale": tuple((str(i), f"option.scale.{i}") for i in range(1, 6)),
}


def did_you_mean(word: str, choices: Any) -> str:
    match = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def plain(text: str) -> str:
    """Text as compared with what someone typed: no case, accents, spaces,
    punctuation or emoji ("Check-in 1" and "checkin1" are the same)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if c.isalnum() and not unicodedata.combining(c))


def limit_for(type_name: str, max_len: int | None) -> int | None:
    if max_len is not None:
        return max_len
    return {"text": TEXT_MAX, "long_text": LONG_TEXT_MAX}.get(type_name)


def parse_text_answer(type_name: str, raw: str, today: date, max_len: int | None = None,
                      date_max_age: timedelta = DATE_MAX_AGE) -> str:
    if max_len is not None and type_name in ("text", "long_text"):
        return _text(max_len)(raw, today)
    if type_name == "date":
        return parse_date(raw, today, date_max_age)
    return FIELD_TYPES[type_name](raw, today)
