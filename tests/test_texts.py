"""Wording rules for the message catalogs that can be checked mechanically.

Indonesian is the source language; the rules come from proofreading both
catalogs (terms from the Kemenkes guideline, seed 000)."""

from __future__ import annotations

import re

import pytest

from bot.i18n import Catalogs

CATALOGS = Catalogs()
ID = CATALOGS.messages["id"]
EN = CATALOGS.messages["en"]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# Placeholders that carry a count which can be 1: a noun right after them
# would need a plural form, and the catalogs have no plural mechanism.
COUNTS = ("count", "total", "pending", "created", "updated", "failed", "done")


def words(text: str) -> str:
    """The text a reader sees, without placeholder names."""
    return PLACEHOLDER.sub(" ", text)


def test_indonesian_writes_anda_with_a_capital() -> None:
    lower = sorted(k for k, v in ID.items() if re.search(r"\banda\b", words(v)))
    assert not lower


# English words a civil servant would not expect in Indonesian text. The
# program's loanwords (coaching, mentoring, coach, coachee, check-in, GROW
# and its stage names) and the seed's own "Progress" are allowed.
ENGLISH_IN_ID = ("given", "task", "from", "the", "form", "file", "draft", "please", "window")
# Seed terms kept as the seed writes them, by key and word: "Task Force" is
# one of the Kemenkes guideline's own development-program kinds (K:998).
SEED_TERMS = {("option.program_lain.task_force", "task")}


@pytest.mark.parametrize("word", ENGLISH_IN_ID)
def test_no_english_in_indonesian(word: str) -> None:
    hits = sorted(k for k, v in ID.items() if re.search(rf"\b{word}\b", words(v), re.IGNORECASE)
                  and (k, word) not in SEED_TERMS)
    assert not hits


def test_indonesian_uses_one_word_per_concept() -> None:
    text = {k: words(v) for k, v in ID.items()}
    assert not [k for k, v in text.items() if re.search(r"\btahapan\b", v, re.IGNORECASE)]  # tahap
    # The Profesi forms' commitment statements are quoted as the seed writes
    # them, "sesuai yang tertera" included (K:1780, K:1818, K:1865).
    quoted = {"profesi.komitmen.perencanaan", "profesi.komitmen.pelaksanaan", "profesi.komitmen.evaluasi"}
    assert not [k for k, v in text.items() if "sesuai yang" in v and k not in quoted]  # sesuai dengan yang
    assert not [k for k, v in text.items() if re.search(r"\bcoach tetap\b", v, re.IGNORECASE)
                and not re.search(r"\b[Cc]oach Tetap\b", v)]  # the program is "Tetap"


def test_english_has_no_plural_hacks() -> None:
    assert not sorted(k for k, v in EN.items() if re.search(r"\w\((s|es)\)", v))
    names = "|".join(COUNTS)
    counted = re.compile(rf"\{{(?:{names})\}}(?: [a-z]+)? [a-z]+s\b")
    assert not sorted(k for k, v in EN.items() if counted.search(v))


def test_jp_right_is_an_entitlement_in_english() -> None:
    keys = sorted(k for k, v in ID.items() if re.search(r"\bhak\b", v))
    assert keys  # the Indonesian catalog names the 20 JP right
    for key in keys:
        assert "entitlement" in EN[key], key
    assert CATALOGS.text("en", "status.jp", jp=2, target=20) == "JP this year: 2 of your 20 JP entitlement."


def test_grow_sections_carry_an_indonesian_gloss() -> None:
    for section in ("goal", "reality", "options", "will"):
        title = ID[f"section.{section}"]
        m = re.fullmatch(r"([GROW]) — ([^()]+) \(([^()]+)\)", title)
        assert m, title
        assert m.group(1) == section[0].upper()
        assert m.group(3).lower() not in m.group(2).lower(), title  # a gloss, not a repeat


def test_success_measure_adjustment_is_asked_as_a_question() -> None:
    assert ID["rdk.penyesuaian_target"].endswith("?")
    assert "ukuran keberhasilan dan target" in ID["rdk.penyesuaian_target"]  # the seed's term
    assert EN["rdk.penyesuaian_target"].endswith("?")


def test_monitoring_header_reads_as_a_heading() -> None:
    for lang in ("id", "en"):
        assert "{stage} {year}" not in CATALOGS.messages[lang]["monitor.header"], lang
    params = {"program": "Tetap", "stage": "Progress Check-in 1", "year": 2026, "scope": "seluruh instansi"}
    assert "yang belum menyelesaikan tahap Progress Check-in 1 tahun 2026 —" in \
        CATALOGS.text("id", "monitor.header", **params)
    assert "not completed the Progress Check-in 1 stage in 2026 —" in \
        CATALOGS.text("en", "monitor.header", **params)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_punctuation_and_spacing(lang: str) -> None:
    for key, text in CATALOGS.messages[lang].items():
        if key.startswith("demo."):
            continue  # the terminal demo aligns its command list with spaces
        assert text == text.strip(), key
        assert "  " not in text, key
        assert not re.search(r" [,.;:?!]", text), key
        assert "..." not in text, key  # the ellipsis character "…"


@pytest.mark.parametrize("lang", ["id", "en"])
def test_within_telegram_limits(lang: str) -> None:
    for key, text in CATALOGS.messages[lang].items():
        assert len(text) < 1000, key  # a message part; whole replies stay under 4096
        if key.startswith("cmd."):
            assert 3 <= len(text) <= 256, key  # BotCommand.description
        if key.startswith(("button.", "option.", "language.")) and key != "language.set":
            assert len(text) <= 40, key


def test_a_list_parameter_is_one_line_in_the_readers_language() -> None:
    """A queued message keeps its items as keys (the pembina's recap), each
    rendered when it is sent, in the reader's words and decimals."""
    from decimal import Decimal

    from flows.messages import Msg, msg_from_json, msg_to_json

    items = [Msg("recap.rating_item", {"label": "Kinerja", "average": Decimal("3.5")}),
             Msg("recap.rating_item", {"label": "BerAKHLAK", "average": Decimal("4")})]
    line = msg_from_json(msg_to_json(Msg("recap.ratings", {"source": "Evaluasi", "n": 3, "ratings": items})))
    assert Catalogs().render(line, "id") == "⭐ Rata-rata penilaian Evaluasi (n=3): Kinerja 3,5 · BerAKHLAK 4"
    assert Catalogs().render(line, "en") == "⭐ Average ratings, Evaluasi (n=3): Kinerja 3.5 · BerAKHLAK 4"
