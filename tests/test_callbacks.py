"""Button payloads: one format per kind, packed and unpacked in one place."""

from __future__ import annotations

import pytest

from flows.callbacks import (
    FormAction,
    NotFilledPage,
    PayloadTooLong,
    PickLanguage,
    RecapUnit,
    ReviewAction,
    pack,
    unpack,
)


@pytest.mark.parametrize("cb", [
    FormAction(123456789, 15, "o1"), ReviewAction(42, "fix"), NotFilledPage("checkin1", 3),
    PickLanguage("en"), RecapUnit("kemenkes_profesi", "sesi1", 1234567, 2026),
])
def test_round_trip(cb: object) -> None:
    data = pack(cb)  # type: ignore[arg-type]
    assert len(data.encode()) <= 64 and unpack(data) == cb


@pytest.mark.parametrize("data", ["", "zz:1", "f:1:2", "f:x:2:o1", "rv:1:ok:extra", "bi:rencana:page",
                                  "bi:rencana", "bi:rencana:1:2:x:y"])
def test_unknown_or_malformed_is_none(data: str) -> None:
    assert unpack(data) is None


def test_a_button_sent_before_a_field_was_added_still_works() -> None:
    assert unpack("bi:rencana:2") == NotFilledPage("rencana", 2, 0)  # the page button had no unit
    assert unpack("bi:rencana:2:15") == NotFilledPage("rencana", 2, 15)


def test_limits_are_enforced_when_packing() -> None:
    with pytest.raises(PayloadTooLong):
        pack(NotFilledPage("x" * 70, 0))
    with pytest.raises(ValueError):
        pack(NotFilledPage("a:b", 0))
