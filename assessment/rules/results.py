"""What the rules return: outcomes, warnings and a structured explanation of every criterion (FORMATS §5)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .data import FactData

Value = Decimal | int | str | bool | date | None


@dataclass(slots=True)
class FactUse:
    """A fact a criterion used, with whether its exception applied and why (for the decision sheet)."""

    fact: FactData
    member_name: str = ""
    exception_applies: bool = False
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        fact = self.fact
        return {
            "kind": fact.kind,
            "member_id_number": fact.member_id_number,
            "member_name": self.member_name,
            "event_date": _plain(fact.event_date),
            "amount": _plain(fact.amount),
            "exit_measure": fact.exit_measure,
            "relocation_housing": fact.relocation_housing,
            "category": fact.category,
            "source": fact.source_label,
            "recorded_on": _plain(fact.recorded_on),
            "fact_id": fact.fact_id,
            "exception_applies": self.exception_applies,
            "reason": self.reason,
        }


@dataclass(slots=True)
class Criterion:
    """One criterion as judged for one household.

    ``holds``: for I and E codes, the condition holds (an E code whose every fact is excused by its exception does
    not hold, and has ``excepted`` set instead); for Y and G codes, the standard is met. ``value`` and
    ``threshold`` are the figures compared; ``exception`` says why the exception did or did not apply.
    """

    code: str
    holds: bool
    message: str
    value: Value = None
    threshold: Value = None
    facts: tuple[FactUse, ...] = ()
    excepted: bool = False
    exception: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "holds": self.holds,
            "message": self.message,
            "value": _plain(self.value),
            "threshold": _plain(self.threshold),
            "facts": [use.as_dict() for use in self.facts],
            "excepted": self.excepted,
            "exception": self.exception,
        }


@dataclass(slots=True)
class Outcome:
    code: str
    criteria: tuple[str, ...]
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"code": self.code, "criteria": list(self.criteria), "message": self.message}


@dataclass(slots=True)
class QualityWarning:
    code: str
    message: str

    def to_json_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


@dataclass(slots=True)
class MemberJudgement:
    id_number: str
    name: str
    outcomes: tuple[Outcome, ...]
    criterion: Criterion | None = None

    def to_json_dict(self) -> dict[str, Any]:
        return {"id_number": self.id_number, "outcomes": [o.to_json_dict() for o in self.outcomes]}


@dataclass(slots=True)
class HouseholdJudgement:
    """The judgement of one household under one policy version."""

    household: str
    status: str
    policy_name: str
    policy_version: int
    outcomes: tuple[Outcome, ...] = ()
    members: tuple[MemberJudgement, ...] = ()
    warnings: tuple[QualityWarning, ...] = ()
    # Every criterion judged, by code (I*, E*, Y* or G*), for the decision sheet.
    criteria: dict[str, Criterion] | None = None
    per_capita_income: Decimal | None = None
    meets_identification: bool = False

    @property
    def outcome_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.outcomes)

    @property
    def warning_codes(self) -> tuple[str, ...]:
        return tuple(w.code for w in self.warnings)

    def outcome(self, code: str) -> Outcome | None:
        for outcome in self.outcomes:
            if outcome.code == code:
                return outcome
        return None

    def to_json_dict(self) -> dict[str, Any]:
        """Exactly the FORMATS §5 object; ``members`` lists only members with outcomes."""
        return {
            "household": self.household,
            "status": self.status,
            "outcomes": [o.to_json_dict() for o in self.outcomes],
            "members": [m.to_json_dict() for m in self.members if m.outcomes],
            "warnings": [w.to_json_dict() for w in self.warnings],
        }


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
