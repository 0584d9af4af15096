"""The FORMATS §6 export kinds of this app: candidate lists of the latest run, publicity lists and case lists.

Registered with ``households.excel.export_kinds`` in AssessmentConfig.ready(), so ``manage.py export --kind missed``
etc. work without ``households`` importing this app. ID numbers are always masked in these lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.db.models import QuerySet

from households.excel.cli import EXIT_USAGE
from households.excel.export_kinds import ExportKind, register
from households.models import scope_filter

from .candidates import latest_run
from .exports import export_cases, export_publicity, heads, write_sheet
from .models import AdjustmentCase, EvaluationOutcome, PublicityWindow

# FORMATS §6 kind → the outcome codes it lists.
OUTCOME_KINDS: dict[str, tuple[str, str]] = {
    "missed": ("漏评候选", "MISSED"),
    "wrong_inclusion": ("错评候选", "WRONG_INCLUSION"),
    "wrong_exit": ("错退候选", "WRONG_EXIT"),
    "exit_ready": ("可脱贫", "EXIT_READY"),
    "continue_support": ("继续帮扶", "CONTINUE_SUPPORT"),
    "return_risk": ("返贫风险", "RETURN_RISK"),
    "data_quality": ("数据质量提示", "DQ"),
}
OUTCOME_HEADERS = (
    "户编号",
    "户主姓名",
    "证件号码",
    "乡镇",
    "行政村",
    "村民小组",
    "户状态",
    "结果代码",
    "依据条款",
    "说明",
    "评估批次",
    "政策版本",
)


def outcome_rows(outcomes: QuerySet[EvaluationOutcome], code: str) -> Iterable[Sequence[Any]]:
    """One row per household: its criteria and message (several DQ warnings of a household joined)."""
    rows = (outcomes.filter(code__startswith="DQ") if code == "DQ" else outcomes.filter(code=code)).select_related(
        "household__area__parent__parent", "run__policy"
    )
    by_household: dict[int, list[EvaluationOutcome]] = {}
    for outcome in rows.order_by("household__number", "code"):
        by_household.setdefault(outcome.household_id, []).append(outcome)
    names = heads(by_household)
    for household_id, found in by_household.items():
        household = found[0].household
        group = household.area
        village = group.parent if group.level == "group" else group
        township = village.parent if village else None
        head_name, head_id = names.get(household_id, ("", ""))
        run = found[0].run
        yield [
            household.number,
            head_name,
            head_id,
            township.name if township else "",
            village.name if village else "",
            group.name if group.level == "group" else "",
            household.status_label,
            "、".join(o.code for o in found),
            "、".join(o.criteria.replace(",", " ") for o in found if o.criteria),
            "\n".join(o.message for o in found),
            f"#{run.pk}",
            f"{run.policy.name} 第{run.policy_version}版",
        ]


def write_outcomes(path: str | Path, outcomes: QuerySet[EvaluationOutcome], kind: str) -> int:
    label, code = OUTCOME_KINDS[kind]
    return write_sheet(path, label, OUTCOME_HEADERS, outcome_rows(outcomes, code))


def _outcome_writer(kind: str):
    def write(path: str | Path, *, area_code: str | None, mask_ids: bool, window: int | None) -> int:
        run = latest_run(area_code or "")
        if run is None:
            raise CommandError("还没有覆盖该范围的评估批次：请先运行 manage.py evaluate", returncode=EXIT_USAGE)
        outcomes = EvaluationOutcome.objects.filter(run=run)
        if area_code:
            outcomes = outcomes.filter(**{f"household__{k}": v for k, v in scope_filter(area_code).items()})
        return write_outcomes(path, outcomes, kind)

    return write


def _write_publicity(path: str | Path, *, area_code: str | None, mask_ids: bool, window: int | None) -> int:
    windows = PublicityWindow.objects.all()
    if area_code:
        windows = windows.filter(area__code__startswith=area_code)
    chosen = windows.filter(pk=window).first() if window is not None else windows.order_by("-pk").first()
    if chosen is None:
        raise CommandError("没有该公示期：用 --window 指定公示期编号", returncode=EXIT_USAGE)
    return export_publicity(chosen, path)


def _write_cases(path: str | Path, *, area_code: str | None, mask_ids: bool, window: int | None) -> int:
    cases = AdjustmentCase.objects.all()
    if area_code:
        cases = cases.filter(**{f"household__{k}": v for k, v in scope_filter(area_code).items()})
    return export_cases(cases, path)


def register_all() -> None:
    for kind, (label, _code) in OUTCOME_KINDS.items():
        register(ExportKind(kind, label, _outcome_writer(kind)))
    register(ExportKind("publicity", "公示名单", _write_publicity))
    register(ExportKind("cases", "案件清单", _write_cases))
