"""Excel of a plan's drawn households (Chinese headers, ID numbers masked, every download in the access log)."""

from __future__ import annotations

import io

from django.http import HttpResponse

from households.excel.downloads import log_export
from households.models import Area, User

from .exports import XLSX, heads, write_sheet
from .review_models import SampledHousehold, SamplePlan
from .sampling import SATISFACTION_GROUP_LABELS, STRATUM_LABELS

HEADERS = (
    "序号",
    "用途",
    "户编号",
    "户主姓名",
    "证件号码",
    "乡镇",
    "行政村",
    "抽取时户状态",
    "抽样层",
    "抽样方法",
    "抽取步骤",
    "测评对象类别",
    "抽查结论",
)
PART_LABELS = {"ill_disabled": "因病因残户", "scattered": "分散户", "rest": "其余户"}
STATUS_LABELS = {"ordinary": "一般农户", "poor": "未脱贫", "exited": "已脱贫", "removed": "已清退"}


def drawn_rows(plan: SamplePlan) -> list[tuple]:
    """The rows of the export (three queries)."""
    drawn = list(plan.drawn.select_related("spot_check").order_by("purpose", "position"))
    names = heads(d.household_id for d in drawn)
    codes = {d.village_code for d in drawn} | {d.village_code[:9] for d in drawn}
    areas = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))
    rows = []
    for d in drawn:
        name, id_number = names.get(d.household_id, ("", ""))
        check = getattr(d, "spot_check", None)
        rows.append(
            (
                d.position,
                d.get_purpose_display(),
                d.number,
                name,
                id_number,
                areas.get(d.village_code[:9], d.village_code[:9]),
                areas.get(d.village_code, d.village_code),
                STATUS_LABELS.get(d.status, d.status),
                STRATUM_LABELS.get(d.stratum, d.stratum),
                d.get_method_display(),
                PART_LABELS.get(d.part, d.part),
                SATISFACTION_GROUP_LABELS.get(d.satisfaction_group, ""),
                check.get_result_display() if check else "",
            )
        )
    return rows


def drawn_response(plan: SamplePlan, *, user: User, ip_address: str | None) -> HttpResponse:
    buffer = io.BytesIO()
    count = write_sheet(buffer, "样本户名单", HEADERS, drawn_rows(plan))
    log_export(
        user,
        target=f"导出样本户名单：{plan.assessment.name} {plan.name}",
        detail=f"抽样方案 #{plan.pk}，种子「{plan.seed}」",
        row_count=count,
        masked=True,
        ip_address=ip_address,
    )
    from urllib.parse import quote

    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(f'样本户名单_{plan.pk}.xlsx')}"
    return response


__all__ = ["HEADERS", "SampledHousehold", "drawn_response", "drawn_rows"]
