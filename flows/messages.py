"""What the engine says: message keys with parameters, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any


@dataclass(frozen=True, slots=True)
class Msg:
    """A catalog key plus parameters; a parameter may itself be a Msg."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Button:
    text: Msg
    data: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file that goes with a reply (an export, a PDF, a chart), made in the
    reader's language; an image is shown in the chat rather than attached."""

    filename: str
    content: bytes = field(repr=False)
    image: bool = False


@dataclass(frozen=True, slots=True)
class Reply:
    lines: tuple[Msg, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Ask the client for the sender's phone number (a one-tap keyboard).
    request_contact: bool = False
    # Take away a one-tap keyboard shown earlier (e.g. after the contact came).
    remove_keyboard: bool = False
    # Sent after the text.
    document: Document | None = None


def say(key: str, **params: Any) -> Reply:
    return Reply((Msg(key, params),))


# --- stored form -------------------------------------------------------------
# A queued message waits in the outbox as message keys, so it is rendered in
# the recipient's language (and catalog) of the moment it is sent.

def _value_to_json(value: Any) -> Any:
    if isinstance(value, Msg):
        return {"msg": msg_to_json(value)}
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if isinstance(value, datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"list": [_value_to_json(v) for v in value]}
    raise TypeError(f"cannot store a message parameter of type {type(value).__name__}")


def _value_from_json(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    tag, inner = next(iter(value.items()))
    if tag == "msg":
        return msg_from_json(inner)
    if tag == "decimal":
        return Decimal(inner)
    if tag == "date":
        return date.fromisoformat(inner)
    if tag == "datetime":
        return datetime.fromisoformat(inner)
    return [_value_from_json(v) for v in inner]


def msg_to_json(msg: Msg) -> dict[str, Any]:
    return {"key": msg.key, "params": {k: _value_to_json(v) for k, v in msg.params.items()}}


def msg_from_json(data: Mapping[str, Any]) -> Msg:
    return Msg(data["key"], {k: _value_from_json(v) for k, v in data.get("params", {}).items()})


def buttons_to_json(buttons: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, Any]]]:
    return [[{"text": msg_to_json(b.text), "data": b.data} for b in row] for row in buttons]


def reply_to_json(reply: Reply) -> dict[str, Any]:
    return {"lines": [msg_to_json(m) for m in reply.lines], "buttons": buttons_to_json(reply.buttons)}


def reply_from_json(data: Mapping[str, Any]) -> Reply:
    return Reply(
        tuple(msg_from_json(m) for m in data["lines"]),
        tuple(tuple(Button(msg_from_json(b["text"]), b["data"]) for b in row) for row in data["buttons"]),
    )
