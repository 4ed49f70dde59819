"""The form vocabulary beyond the bundled forms: the date limit of log entries."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from flows.validators import Invalid, parse_date

TODAY = date(2026, 11, 23)


def test_the_default_limit_is_said_as_a_year_any_other_in_days() -> None:
    with pytest.raises(Invalid) as default:
        parse_date("01/01/2025", TODAY)
    assert default.value.key == "error.date_too_old"
    with pytest.raises(Invalid) as log:
        parse_date("01/01/2026", TODAY, timedelta(days=60))
    assert (log.value.key, log.value.params) == ("error.date_too_old_days", {"days": 60})
    assert parse_date("24/09/2026", TODAY, timedelta(days=60)) == "2026-09-24"
