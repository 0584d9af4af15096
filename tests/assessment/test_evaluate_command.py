"""manage.py evaluate: FORMATS §5 JSON Lines over a small built county, compared with hand-computed outcomes."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessment.models import EvaluationRun
from tests import factories as f
from tests.assessment import county as c

pytestmark = pytest.mark.django_db


def evaluate(*args: str) -> tuple[int, list[dict], str]:
    """(exit status, the JSON objects written to stdout, stderr)."""
    out, err = StringIO(), StringIO()
    try:
        call_command("evaluate", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, [], err.getvalue() + str(error)
    return 0, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def by_number(lines: list[dict]) -> dict[str, dict]:
    return {line["household"]: line for line in lines}


def outcomes(line: dict) -> dict[str, list[str]]:
    return {o["code"]: o["criteria"] for o in line["outcomes"]}


def test_one_line_per_household_in_number_order_with_the_formats_keys(policy, county):
    status, lines, err = evaluate("--policy", policy.name)
    assert status == 0
    assert [line["household"] for line in lines] == sorted(county)
    for line in lines:
        assert list(line) == ["household", "status", "outcomes", "members", "warnings"]
        for outcome in line["outcomes"]:
            assert list(outcome) == ["code", "criteria", "message"]
            assert outcome["criteria"] == sorted(outcome["criteria"])
            assert "云南省2018年度 第1版" in outcome["message"]
    assert "评估完成" in err and "共 8 户" in err


def test_outcomes_match_the_hand_computed_ones(policy, county):
    lines = by_number(evaluate("--policy", policy.name)[1])
    # A 30,000 car bought before registration: 「3万元以上」 includes 30,000 → 错评 E3.
    assert outcomes(lines["A-01"]) == {"WRONG_INCLUSION": ["E3"], "EXIT_READY": []}
    assert "拥有价格 30,000.00 元的机动车" in lines["A-01"]["outcomes"][0]["message"]
    assert "不晚于建档立卡日期 2014-10-01" in lines["A-01"]["outcomes"][0]["message"]
    # Per-capita income exactly at the identification line is not below it: not missed by I1.
    assert lines["A-02"]["status"] == "ordinary" and outcomes(lines["A-02"]) == {}
    assert outcomes(lines["A-03"]) == {"MISSED": ["I1", "I2"]}
    assert "人均纯收入 2,951.99 元，低于识别标准 2,952.00 元" in lines["A-03"]["outcomes"][0]["message"]
    assert outcomes(lines["A-04"]) == {"EXIT_READY": []}
    assert outcomes(lines["A-05"]) == {"WRONG_EXIT": ["Y2"]}
    assert lines["A-06"] == {"household": "A-06", "status": "removed", "outcomes": [], "members": [], "warnings": []}
    assert outcomes(lines["B-02"]) == {"EXIT_NOT_MET": ["Y1"]}
    assert [w["code"] for w in lines["B-02"]["warnings"]] == ["DQ7"]


def test_members_lists_only_members_with_outcomes(policy, county):
    line = by_number(evaluate("--policy", policy.name)[1])["B-01"]
    spouse = county["B-01"].members.get(relation="02")
    assert line["members"] == [
        {"id_number": spouse.id_number, "outcomes": [line["members"][0]["outcomes"][0]]},
    ]
    assert line["members"][0]["outcomes"][0]["code"] == "MEMBER_REMOVAL"
    assert line["members"][0]["outcomes"][0]["criteria"] == ["E9"]
    assert outcomes(line) == {"EXIT_READY": []}
    assert all(
        line["members"] == []
        for number, line in by_number(evaluate("--policy", policy.name)[1]).items()
        if number != "B-01"
    )


def test_area_limits_the_households(policy, county):
    status, lines, _ = evaluate("--policy", policy.name, "--area", f.TOWNSHIP_B)
    assert status == 0 and [line["household"] for line in lines] == ["B-01", "B-02"]
    assert [line["household"] for line in evaluate("--policy", policy.name, "--area", f.VILLAGE_A2)[1]] == []


def test_output_file_holds_the_same_lines(policy, county, tmp_path):
    target = tmp_path / "result.jsonl"
    status, lines, _ = evaluate("--policy", policy.name, "--output", str(target))
    assert status == 0 and lines == []
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert written == evaluate("--policy", policy.name)[1]
    assert "漏评" in target.read_text(encoding="utf-8")  # Chinese, not \\u escapes
    assert not list(tmp_path.glob(".*.part"))


def test_output_to_a_pipe_is_written_in_place_never_replaced(policy, county, tmp_path):
    """--output /dev/null once replaced the device node with a regular file: write pipes and devices directly."""
    import os
    import stat
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text(encoding="utf-8")))
    reader.start()
    status, _, _ = evaluate("--policy", policy.name, "--output", str(fifo))
    reader.join(timeout=10)
    assert status == 0
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(received[0].splitlines()) == len(evaluate("--policy", policy.name)[1])


def test_the_run_is_stored_without_a_user_unless_given(policy, county, county_user):
    evaluate("--policy", policy.name)
    run = EvaluationRun.objects.get()
    assert (run.status, run.started_by, run.household_count, run.area_code) == ("finished", None, 8, "")
    assert run.counts["WRONG_INCLUSION"] == 1 and run.counts["EXIT_READY"] == 3 and run.counts["MISSED"] == 1
    evaluate("--policy", policy.name, "--user", "county")
    assert EvaluationRun.objects.latest("pk").started_by == county_user


def test_policy_missing_values_exits_1_in_chinese(county):
    guangdong = c.guangdong_policy()
    status, lines, err = evaluate("--policy", guangdong.name)
    assert status == 1 and lines == []
    assert "该政策缺少：全省农村居民人均可支配收入，不能用于评估" in err
    assert not EvaluationRun.objects.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--policy", "没有这个政策"], "没有名为「没有这个政策」的政策"),
        (["--policy", "云南省2018年度", "--area", "53011"], "应为 6、9、12 或 15 位数字"),
        (["--policy", "云南省2018年度", "--area", "530199"], "区划代码「530199」不存在"),
        (["--policy", "云南省2018年度", "--user", "nobody"], "用户“nobody”不存在"),
    ],
)
def test_bad_usage_exits_2(policy, county, args, message):
    status, _, err = evaluate(*args)
    assert status == 2 and message in err
    assert not EvaluationRun.objects.exists()
