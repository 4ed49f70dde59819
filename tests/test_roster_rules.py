from __future__ import annotations

import pytest

from flows.roster import COLUMNS, HeaderError, check_header, normalize_phone, parse_rows

GOOD = ["198001012005011001", "Budi", "Kabag", "IV/a", "madya", "Setjen", "Umum", "", "0812-1111-2222",
        "b@x.id", "pic", "WITA"]


def row(**changes: str) -> list[str]:
    values = dict(zip(COLUMNS, GOOD, strict=True))
    values.update(changes)
    return [values[c] for c in COLUMNS]


@pytest.mark.parametrize("raw, expected", [
    ("+62 812-1111-2222", "6281211112222"), ("6281211112222", "6281211112222"),
    ("081211112222", "6281211112222"), ("81211112222", "6281211112222"), ("abc", None), ("", None),
])
def test_phone_normalisation(raw: str, expected: str | None) -> None:
    assert normalize_phone(raw) == expected


def test_header() -> None:
    assert check_header([c.upper() for c in COLUMNS]) == COLUMNS
    assert check_header([*COLUMNS, "nip_penilai"]) == (*COLUMNS, "nip_penilai")
    assert check_header([*COLUMNS, "talenta"]) == (*COLUMNS, "talenta")
    assert check_header([*COLUMNS, "nip_penilai", "talenta"]) == (*COLUMNS, "nip_penilai", "talenta")
    with pytest.raises(HeaderError):
        check_header([*COLUMNS, "talenta", "nip_penilai"])
    with pytest.raises(HeaderError):
        check_header(list(reversed(COLUMNS)))
    with pytest.raises(HeaderError):
        check_header([*COLUMNS, "other"])


def test_good_row_parsed() -> None:
    good, errors = parse_rows([(2, row())], allow_short_nip=False)
    assert not errors
    r = good[0]
    assert r.roles == {"pic"} and r.timezone == "Asia/Makassar" and r.phone == "6281211112222"
    assert r.level == "madya"


@pytest.mark.parametrize("changes, key", [
    ({"nip": ""}, "roster.error.nip_missing"),
    ({"nip": "12345"}, "roster.error.nip_format"),
    ({"nip": "1980010120"}, "roster.error.nip_short"),
    ({"nama": ""}, "roster.error.required"),
    ({"level": "senior"}, "roster.error.level"),
    ({"peran": "pic,raja"}, "roster.error.role"),
    ({"zona_waktu": "GMT"}, "roster.error.zone"),
    ({"telepon": "call me"}, "roster.error.phone"),
    ({"nip_atasan": "199999999999999999"}, "roster.error.unknown_superior"),
    ({"nip_atasan": "198001012005011001"}, "roster.error.self_superior"),
])
def test_bad_rows_reported_with_row_number(changes: dict[str, str], key: str) -> None:
    other = row(nip="199001012015011002", telepon="")
    good, errors = parse_rows([(2, other), (3, row(**changes))], allow_short_nip=False)
    assert [(e.row, e.key) for e in errors] == [(3, key)]
    assert [g.nip for g in good] == ["199001012015011002"]  # good rows are kept


def test_short_nip_allowed_explicitly() -> None:
    good, errors = parse_rows([(2, row(nip="1980010120"))], allow_short_nip=True)
    assert not errors and good[0].nip == "1980010120"


def test_duplicate_nip_in_file() -> None:
    _good, errors = parse_rows([(2, row()), (3, row())], allow_short_nip=False)
    assert [(e.row, e.key, e.params) for e in errors] == [(3, "roster.error.duplicate", {"first": 2})]


def test_superior_later_in_file_or_in_database() -> None:
    staff = row(nip="199001012015011002", nip_atasan="198001012005011001", peran="")
    good, errors = parse_rows([(2, staff), (3, row())], allow_short_nip=False)
    assert not errors and len(good) == 2
    good, errors = parse_rows([(2, staff)], allow_short_nip=False, known_nips={"198001012005011001"})
    assert not errors


def test_blank_rows_ignored() -> None:
    good, errors = parse_rows([(2, [""] * 12), (3, [None] * 12)], allow_short_nip=False)
    assert good == [] and errors == []


def test_talenta_flag_and_profesi_coach_role() -> None:
    row = ["199001012015011001", "Ani", "Analis", "III/a", "", "Setjen", "Biro Umum", "", "", "",
           "coach_profesi", "WIB"]
    columns = (*COLUMNS, "talenta")
    good, errors = parse_rows([(2, [*row, "Ya"])], allow_short_nip=False, columns=columns)
    assert not errors and good[0].flags == {"talenta"} and good[0].roles == {"coach_profesi"}
    good, _ = parse_rows([(2, row)], allow_short_nip=False, columns=columns)
    assert good[0].flags == frozenset()
    _, errors = parse_rows([(2, [*row, "mungkin"])], allow_short_nip=False, columns=columns)
    assert errors[0].key == "roster.error.flag"
