"""What the engine says: message keys with parameters, never sentences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
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
class Reply:
    lines: tuple[Msg, ...]
    buttons: tuple[tuple[Button, ...], ...] = ()
    # Ask the client for the sender's phone number (a one-tap keyboard).
    request_contact: bool = False
    # Take away a one-tap keyboard shown earlier (e.g. after the contact came).
    remove_keyboard: bool = False


def say(key: str, **params: Any) -> Reply:
    return Reply((Msg(key, params),))
