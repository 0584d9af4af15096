"""The rules of SPEC §4 as pure, typed functions over plain dataclasses.

Nothing here imports Django, touches the database, reads settings or the clock: the policy (with its income year)
comes in as an argument, and a loader elsewhere turns querysets into ``HouseholdData``. See docs/rules.md.

    judgement = evaluate_household(household, policy, shared_addresses=shared_addresses(all_addresses))
    judgement.to_json_dict()  # the FORMATS §5 object
"""

from .codes import (
    EXCLUSION_CODES,
    GUANGDONG8_CODES,
    IDENTIFICATION_CODES,
    OUTCOME_ORDER,
    WARNING_CODES,
    YUNNAN7_CODES,
    Attribute,
    FactKind,
    OutcomeCode,
    Relocation,
    StandardSet,
    Status,
)
from .context import HouseholdContext, age_on, household_context, normalise_address, shared_addresses
from .data import (
    POLICY_FIELD_LABELS,
    FactData,
    HouseholdData,
    IncomeData,
    MemberData,
    Policy,
    PolicyIncomplete,
    per_capita_net_income,
)
from .evaluate import evaluate_household
from .exclusion import after_registration, exclusion_criteria, member_removals
from .identification import identification_conditions, meets_identification
from .quality import data_quality_warnings
from .results import Criterion, FactUse, HouseholdJudgement, MemberJudgement, Outcome, QualityWarning
from .standards import exit_standards, unmet_codes

__all__ = [
    "EXCLUSION_CODES",
    "GUANGDONG8_CODES",
    "IDENTIFICATION_CODES",
    "OUTCOME_ORDER",
    "POLICY_FIELD_LABELS",
    "WARNING_CODES",
    "YUNNAN7_CODES",
    "Attribute",
    "Criterion",
    "FactData",
    "FactKind",
    "FactUse",
    "HouseholdContext",
    "HouseholdData",
    "HouseholdJudgement",
    "IncomeData",
    "MemberData",
    "MemberJudgement",
    "Outcome",
    "OutcomeCode",
    "Policy",
    "PolicyIncomplete",
    "QualityWarning",
    "Relocation",
    "StandardSet",
    "Status",
    "after_registration",
    "age_on",
    "data_quality_warnings",
    "evaluate_household",
    "exclusion_criteria",
    "exit_standards",
    "household_context",
    "identification_conditions",
    "meets_identification",
    "member_removals",
    "normalise_address",
    "per_capita_net_income",
    "shared_addresses",
    "unmet_codes",
]
