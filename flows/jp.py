"""JP (jam pelajaran) credit rules: what one logged activity earns.

Pure: the caller passes the person's ledger so far and stores the line it
gets back. A rule is written in a program spec under an activity's `jp:`
key; this module does not import flows.spec (the spec embeds these models).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from pydantic import BaseModel, ConfigDict, Field, model_validator

from flows.messages import Msg

ONE_PLACE = Decimal("0.1")  # JP are kept with one decimal place, so 2.4 stays exact
MAX_HOURS = Decimal(24)  # the form refuses more; credit() still must not trust it


def jp(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(ONE_PLACE, ROUND_HALF_UP)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# `when` everywhere means: every named answer equals the given option value.
Condition = dict[str, str]


class AmountWhen(_Strict):
    """Another amount for entries matching `when` (Langsa 4 JP international, L:172)."""

    when: Condition = Field(min_length=1)
    amount: Decimal = Field(ge=0, decimal_places=1)


class Bonus(_Strict):
    """A percentage added after the caps (L:278 "Ditambahkan 20%"; settled: cap first)."""

    percent: Decimal = Field(gt=0)
    when: Condition = Field(default_factory=dict)


class JpRule(_Strict):
    """Either a fixed `amount` per entry or the hours answered in `hours_field`."""

    amount: Decimal | None = Field(default=None, ge=0, decimal_places=1)
    hours_field: str | None = Field(default=None, min_length=1)
    when: Condition = Field(default_factory=dict)
    # Message key given when `when` is not met, e.g. Tetap's "Belum Selesai".
    unmet_reason: str | None = Field(default=None, pattern=r"^jp\.[a-z_.]+$")
    amount_when: tuple[AmountWhen, ...] = ()
    # Entries counted per calendar month (L:140, L:199): a count, not JP.
    max_times_per_month: int | None = Field(default=None, ge=1)
    # JP counted per calendar day before any bonus (L:278): JP, not a count.
    max_jp_per_day: Decimal | None = Field(default=None, gt=0, decimal_places=1)
    bonus: Bonus | None = None
    # Credited only once this other activity is complete (Profesi: the three
    # sessions earn when the coach's Form Evaluasi is in, K:1045).
    held_until: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> JpRule:
        if (self.amount is None) == (self.hours_field is None):
            raise ValueError("give either amount or hours_field, not both or neither")
        if self.amount_when and self.amount is None:
            raise ValueError("amount_when needs amount (it replaces the amount for matching entries)")
        if self.unmet_reason and not self.when:
            raise ValueError("unmet_reason needs when")
        return self

    def conditions(self) -> tuple[tuple[str, str], ...]:
        """Every (field, option value) pair the rule compares answers with."""
        found = [*self.when.items()]
        for alt in self.amount_when:
            found += alt.when.items()
        if self.bonus:
            found += self.bonus.when.items()
        return tuple(found)

    def fields_used(self) -> tuple[str, ...]:
        """Answer fields the rule reads, so the spec loader can check the form has them."""
        names = [name for name, _ in self.conditions()]
        if self.hours_field:
            names.append(self.hours_field)
        return tuple(dict.fromkeys(names))

    def message_keys(self) -> set[str]:
        return {self.unmet_reason} if self.unmet_reason else set()


@dataclass(frozen=True, slots=True)
class Claim:
    """One logged activity: a confirmed form or an activity-log entry."""

    program: str
    activity: str
    day: date  # the date the activity took place, not when it was logged
    answers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class LedgerLine:
    program: str
    activity: str
    day: date
    claimed: Decimal  # what the entry is worth before caps and bonus
    base: Decimal  # after caps, before bonus; the day cap sums this
    credited: Decimal  # what counts toward the person's JP
    rule: str  # the rule key that decided: when, amount, amount_when[i] or hours_field
    reason: Msg
    reverses: int | None = None  # set on a correction row: the id it cancels
    id: int | None = None  # as stored


def _matches(when: Condition, answers: Mapping[str, str]) -> bool:
    return all(answers.get(name) == value for name, value in when.items())


def _hours(text: str | None) -> Decimal | None:
    """The hours answered, or None when they are no usable number of hours."""
    try:
        value = Decimal((text or "").strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not value.is_finite() or not 0 <= value <= MAX_HOURS:
        return None
    return jp(value)


def live(lines: Iterable[LedgerLine]) -> list[LedgerLine]:
    """Lines that still count: neither correction rows nor lines they reversed."""
    rows = list(lines)
    reversed_ids = {x.reverses for x in rows if x.reverses is not None}
    return [x for x in rows if x.reverses is None and (x.id is None or x.id not in reversed_ids)]


def credit(rule: JpRule, claim: Claim, prior: Sequence[LedgerLine]) -> LedgerLine:
    """The ledger line for `claim`, given the person's lines so far (any activity,
    reversal rows included)."""
    zero = Decimal("0.0")

    def line(claimed: Decimal, base: Decimal, credited: Decimal, name: str, reason: Msg) -> LedgerLine:
        return LedgerLine(claim.program, claim.activity, claim.day, claimed, base, credited, name, reason)

    if not _matches(rule.when, claim.answers):
        name, expected = next((k, v) for k, v in rule.when.items() if claim.answers.get(k) != v)
        unmet = {"field": name, "expected": expected, "given": claim.answers.get(name, "")}
        return line(zero, zero, zero, "when", Msg(rule.unmet_reason or "jp.not_met", unmet))

    if rule.hours_field is not None:
        name, hours = "hours_field", _hours(claim.answers.get(rule.hours_field))
        if hours is None:
            given = claim.answers.get(rule.hours_field, "")
            return line(zero, zero, zero, name, Msg("jp.hours_invalid", {"given": given}))
        claimed = hours
    else:
        assert rule.amount is not None  # the validator guarantees one source
        name, claimed = "amount", jp(rule.amount)
        for i, alt in enumerate(rule.amount_when):
            if _matches(alt.when, claim.answers):
                name, claimed = f"amount_when[{i}]", jp(alt.amount)
                break
    if claimed == 0:
        return line(zero, zero, zero, name, Msg("jp.zero"))

    same = [x for x in live(prior) if (x.program, x.activity) == (claim.program, claim.activity)]
    if rule.max_times_per_month is not None:
        # Counted entries per calendar month of the activity, per activity
        # type: coaching and mentoring are capped separately (L:140, L:199, W5).
        month = (claim.day.year, claim.day.month)
        counted = sum(1 for x in same if (x.day.year, x.day.month) == month and x.base > 0)
        if counted >= rule.max_times_per_month:
            month_cap = {"max": rule.max_times_per_month, "month": claim.day.strftime("%m/%Y")}
            return line(claimed, zero, zero, name, Msg("jp.month_cap", month_cap))

    base, reason = claimed, Msg("jp.credited", {"jp": claimed})
    if rule.max_jp_per_day is not None:
        # Self-study counts at most 2 JP a day over all that day's entries,
        # national and international together (L:274-278).
        already = jp(sum((x.base for x in same if x.day == claim.day), zero))
        room = max(jp(rule.max_jp_per_day) - already, zero)
        params = {"max": jp(rule.max_jp_per_day), "already": already, "day": claim.day}
        if room == 0:
            return line(claimed, zero, zero, name, Msg("jp.day_cap_reached", params))
        if claimed > room:
            # Nothing else that day: the cap alone explains it ("3 jam: dihitung 2 JP").
            key = "jp.day_cap_partial" if already else "jp.day_cap"
            base, reason = room, Msg(key, {**params, "jp": room, "hours": claimed})

    credited = base
    if rule.bonus is not None and _matches(rule.bonus.when, claim.answers):
        # The bonus comes after the cap, so international self-study is at
        # most 2.4 JP a day (product decision on L:278).
        credited = jp(base * (100 + rule.bonus.percent) / 100)
        reason = Msg("jp.bonus", {"percent": rule.bonus.percent, "jp": credited, "before": reason})
    return line(claimed, base, credited, name, reason)


def reverse(line: LedgerLine, reason: Msg | None = None) -> LedgerLine:
    """The correction row that cancels a stored line; the original stays as it was."""
    if line.id is None:
        raise ValueError("only a stored line (with an id) can be reversed")
    if line.reverses is not None:
        raise ValueError("a correction row is not reversed; credit the activity again instead")
    return LedgerLine(
        line.program, line.activity, line.day, -line.claimed, -line.base, -line.credited, line.rule,
        reason or Msg("jp.reversed", {"jp": line.credited}), reverses=line.id,
    )


def total(lines: Iterable[LedgerLine]) -> Decimal:
    """Credited JP; correction rows are negative, so reversed lines net out."""
    return jp(sum((x.credited for x in lines), Decimal(0)))


def totals_by_program(lines: Iterable[LedgerLine], year: int) -> dict[str, Decimal]:
    """Credited JP per program for activities dated in `year`."""
    by: dict[str, list[LedgerLine]] = {}
    for x in lines:
        if x.day.year == year:
            by.setdefault(x.program, []).append(x)
    return {program: total(group) for program, group in sorted(by.items())}
