"""Indicator tables, points, township scores, grades, ranking and the performance score (issue 6, seed 002 §六–§八).
Pure functions: no database."""

from decimal import Decimal as D

import pytest

from assessment.scoring import (
    GRADE_LABELS,
    Direction,
    Grade,
    Indicator,
    IndicatorTableError,
    ManualScore,
    Measurement,
    PointsRule,
    Ranked,
    ScoringInputError,
    check_indicator_table,
    grade,
    indicator_table_problems,
    per_hundred,
    performance_score,
    rank,
    score_township,
    totals,
    unit_scores,
)

LOWER = Direction.LOWER_IS_BETTER
HIGHER = Direction.HIGHER_IS_BETTER

# The example table of docs/assessment-methods.md.
TABLE = (
    Indicator("identification_error", "识别误差率", D(20), PointsRule(D(2), D(5)), "%"),
    Indicator("wrong_exit", "错退率", D(10), PointsRule(D(0), D(3)), "%"),
    Indicator("satisfaction", "群众认可度", D(15), PointsRule(D(90), D(70), HIGHER), "%"),
    Indicator("overdue_tasks", "逾期部门核查任务", D(10), PointsRule(D(0), D(20)), "项"),
    Indicator("overdue_publicity", "逾期公示", D(5), PointsRule(D(0), D(5)), "项"),
    Indicator("dq_warnings", "数据质量预警", D(10), PointsRule(D(1), D(11)), "条/百户"),
    Indicator("survey_completion", "调查完成率", D(10), PointsRule(D(100), D(50), HIGHER), "%"),
    Indicator("funds", "扶贫资金使用监管", D(10)),
    Indicator("archives", "扶贫档案管理", D(10)),
)

FULL_MEASUREMENTS = {
    "identification_error": Measurement(D("1.38")),
    "wrong_exit": Measurement(D(0)),
    "satisfaction": Measurement(D(95)),
    "overdue_tasks": Measurement(D(0)),
    "overdue_publicity": Measurement(D(0)),
    "dq_warnings": Measurement(D("0.5")),
    "survey_completion": Measurement(D(100)),
}
FULL_MANUAL = {"funds": ManualScore(D(10)), "archives": ManualScore(D(10))}


# ---- points of a measured indicator ----


@pytest.mark.parametrize(
    ("rule", "weight", "value", "points"),
    [
        (PointsRule(D(2), D(5)), D(20), D(1), D("20.00")),  # better than the target
        (PointsRule(D(2), D(5)), D(20), D(2), D("20.00")),  # at the target: full points
        (PointsRule(D(2), D(5)), D(20), D("3.5"), D("10.00")),  # half way
        (PointsRule(D(2), D(5)), D(20), D("2.01"), D("19.93")),  # 20 × 2.99 / 3 = 19.933
        (PointsRule(D(2), D(5)), D(20), D("4.999"), D("0.01")),
        (PointsRule(D(2), D(5)), D(20), D(5), D("0.00")),  # at the bound: nothing
        (PointsRule(D(2), D(5)), D(20), D(9), D("0.00")),
        (PointsRule(D(0), D(8)), D(5), D("1.016"), D("4.37")),  # 4.365 rounds half up (half-even would give 4.36)
        (PointsRule(D(90), D(70), HIGHER), D(15), D(95), D("15.00")),
        (PointsRule(D(90), D(70), HIGHER), D(15), D(90), D("15.00")),
        (PointsRule(D(90), D(70), HIGHER), D(15), D("89.99"), D("14.99")),  # 14.9925
        (PointsRule(D(90), D(70), HIGHER), D(15), D(80), D("7.50")),
        (PointsRule(D(90), D(70), HIGHER), D(15), D(70), D("0.00")),
        (PointsRule(D(90), D(70), HIGHER), D(15), D(50), D("0.00")),
        (PointsRule(D(2), D(2)), D(10), D(2), D("10.00")),  # a step: full at the target
        (PointsRule(D(2), D(2)), D(10), D("2.01"), D("0.00")),  # nothing past it
        (PointsRule(D(90), D(90), HIGHER), D(10), D("89.99"), D("0.00")),
    ],
)
def test_points_of_a_measured_indicator(rule, weight, value, points):
    assert rule.points(value, weight) == points
    assert str(rule.points(value, weight)) == str(points)


# ---- the indicator table ----


def test_the_example_table_is_valid():
    assert indicator_table_problems(TABLE) == []
    check_indicator_table(TABLE)
    assert TABLE[0].measured
    assert not TABLE[-1].measured


@pytest.mark.parametrize(
    ("table", "problems"),
    [
        ((), ["指标表没有任何指标"]),
        (TABLE[:-1], ["各指标分值合计为 90 分，应为 100 分"]),
        ((*TABLE, Indicator("extra", "加分", D("0.5"))), ["各指标分值合计为 100.5 分，应为 100 分"]),
        ((*TABLE[:-1], Indicator("funds", "档案", D(10))), ["指标代码「funds」重复"]),
        (
            (*TABLE[:-1], Indicator("archives", "档案", D(0)), Indicator("x", "其他", D(10))),
            ["指标「档案」的分值应大于 0"],
        ),
        (
            (*TABLE[:-1], Indicator("archives", "档案", D("9.995")), Indicator("x", "其他", D("0.005"))),
            ["指标「档案」的分值最多两位小数", "指标「其他」的分值最多两位小数"],
        ),
        ((*TABLE[:-1], Indicator("", "档案", D(10))), ["指标「档案」缺少代码"]),
        ((*TABLE[:-1], Indicator("archives", " ", D(10))), ["指标「archives」缺少名称"]),
        (
            (*TABLE[:-1], Indicator("archives", "档案", D(10), PointsRule(D(5), D(2)))),
            ["指标「档案」：越低越好的指标，扣完分的界限应不低于满分界限"],
        ),
        (
            (*TABLE[:-1], Indicator("archives", "档案", D(10), PointsRule(D(70), D(90), HIGHER))),
            ["指标「档案」：越高越好的指标，扣完分的界限应不高于满分界限"],
        ),
        (
            (*TABLE[:-1], Indicator("archives", "档案", D(10), PointsRule(D(1), D(2), "sideways"))),
            ["指标「档案」：未知的计分方向「sideways」"],
        ),
    ],
)
def test_invalid_tables_are_explained_in_chinese(table, problems):
    assert indicator_table_problems(table) == problems
    with pytest.raises(IndicatorTableError) as raised:
        check_indicator_table(table)
    assert raised.value.problems == tuple(problems)
    assert str(raised.value) == "；".join(problems)


# ---- scoring a township ----


def test_a_township_with_full_marks():
    score = score_township(TOWNSHIP := "440232101", TABLE, measurements=FULL_MEASUREMENTS, manual=FULL_MANUAL)
    assert score.township == TOWNSHIP
    assert score.total == D("100.00")
    assert (score.grade, score.grade_label) == (Grade.GOOD, "好")
    assert score.deductions == ()
    assert [line.code for line in score.lines] == [i.code for i in TABLE]


def test_a_township_sees_its_deductions_with_the_items_behind_them():
    measurements = {
        **FULL_MEASUREMENTS,
        "identification_error": Measurement(D("3.5"), ("H001", "H002")),
        "overdue_tasks": Measurement(D(4), ("task-17", "task-18", "task-21", "task-30")),
        "dq_warnings": Measurement(D("3.5")),
    }
    manual = {**FULL_MANUAL, "archives": ManualScore(D("7.5"), "3户档案缺少签字", ("H010", "H011", "H012"))}
    score = score_township("440232101", TABLE, measurements=measurements, manual=manual)
    # 20 → 10 (3.5%), overdue tasks 10 → 8, warnings 10 → 7.5, archives 10 → 7.5
    assert score.total == D("83.00")
    assert score.grade_label == "较好"
    lost = [(line.code, line.value, line.lost, line.items) for line in score.deductions]
    assert lost == [
        ("identification_error", D("3.5"), D("10.00"), ("H001", "H002")),
        ("dq_warnings", D("3.5"), D("2.50"), ()),
        ("archives", None, D("2.50"), ("H010", "H011", "H012")),
        ("overdue_tasks", D(4), D("2.00"), ("task-17", "task-18", "task-21", "task-30")),
    ]
    assert score.deductions[2].note == "3户档案缺少签字"
    assert score.deductions[0].unit == "%"


def test_every_input_problem_is_reported_at_once():
    measurements = {k: v for k, v in FULL_MEASUREMENTS.items() if k != "wrong_exit"}
    measurements["funds"] = Measurement(D(1))
    measurements["bonus"] = Measurement(D(1))
    manual = {
        "archives": ManualScore(D(11)),
        "satisfaction": ManualScore(D(15)),
    }
    with pytest.raises(ScoringInputError) as raised:
        score_township("440232101", TABLE, measurements=measurements, manual=manual)
    assert raised.value.problems == (
        "指标表中没有指标「bonus」",
        "缺少指标「错退率」的实测值",
        "指标「群众认可度」按实测计分，不能手工打分",
        "指标「扶贫资金使用监管」为手工打分指标，不能填实测值",
        "缺少指标「扶贫资金使用监管」的得分",
        "指标「扶贫档案管理」的得分 11 应在 0 到 10 分之间，最多两位小数",
    )


@pytest.mark.parametrize("points", [D(-1), D("9.995"), D("10.01")])
def test_manual_scores_are_bounded_by_the_weight(points):
    with pytest.raises(ScoringInputError, match="应在 0 到 10 分之间"):
        score_township("t", TABLE, measurements=FULL_MEASUREMENTS, manual={**FULL_MANUAL, "funds": ManualScore(points)})


@pytest.mark.parametrize(("points", "total"), [(D(0), D("90.00")), (D(10), D("100.00")), (D("9.5"), D("99.50"))])
def test_manual_scores_at_their_bounds(points, total):
    manual = {**FULL_MANUAL, "funds": ManualScore(points)}
    assert score_township("t", TABLE, measurements=FULL_MEASUREMENTS, manual=manual).total == total


def test_an_invalid_table_cannot_score():
    with pytest.raises(IndicatorTableError, match="应为 100 分"):
        score_township("t", TABLE[:-1], measurements=FULL_MEASUREMENTS, manual=FULL_MANUAL)


# ---- grades ----


@pytest.mark.parametrize(
    ("total", "label"),
    [
        (D("0"), "较差"),
        (D("59.99"), "较差"),
        (D("60"), "一般"),
        (D("60.00"), "一般"),
        (D("79.99"), "一般"),
        (D("80"), "较好"),
        (D("89.99"), "较好"),
        (D("90"), "好"),
        (D("90.00"), "好"),
        (D("100"), "好"),
    ],
)
def test_grade_boundaries(total, label):
    assert GRADE_LABELS[grade(total)] == label


@pytest.mark.parametrize(
    ("archives", "total", "label"),
    [("10", "90.00", "好"), ("9.99", "89.99", "较好"), ("0", "80.00", "较好")],
)
def test_a_township_total_at_a_grade_boundary(archives, total, label):
    # Every measured indicator full (80) and funds 0: the total is 80 + archives.
    manual = {"funds": ManualScore(D(0)), "archives": ManualScore(D(archives))}
    score = score_township("t", TABLE, measurements=FULL_MEASUREMENTS, manual=manual)
    assert (str(score.total), score.grade_label) == (total, label)


# ---- ranking ----


def test_competition_ranking_with_ties():
    ranked = rank({"c": D(85), "a": D(90), "e": D(80), "b": D("90.00"), "d": D("85.0")})
    assert [(r.rank, r.key) for r in ranked] == [(1, "a"), (1, "b"), (3, "c"), (3, "d"), (5, "e")]
    assert ranked[0] == Ranked(1, "a", D(90))


def test_ranking_nothing_and_one():
    assert rank({}) == []
    assert rank({"x": D(1)}) == [Ranked(1, "x", D(1))]


def test_ranking_the_scores_of_townships():
    full = score_township("b", TABLE, measurements=FULL_MEASUREMENTS, manual=FULL_MANUAL)
    lower = score_township(
        "a", TABLE, measurements=FULL_MEASUREMENTS, manual={**FULL_MANUAL, "funds": ManualScore(D(5))}
    )
    assert [(r.rank, r.key, r.total) for r in rank(totals([lower, full]))] == [(1, "b", D(100)), (2, "a", D(95))]


# ---- performance score and supporting units ----


@pytest.mark.parametrize(
    ("total", "upper_level", "score"),
    [
        (D("100"), False, D("2")),
        (D("100"), True, D("3")),
        (D("87.53"), False, D("1.7506")),  # seed 002 §八: 总得分 ÷ 100 × 2
        (D("87.53"), True, D("2.6259")),  # 上级直管单位: ÷ 100 × 3
        (D("59.99"), False, D("1.1998")),
        (D("0"), False, D("0")),
    ],
)
def test_performance_score(total, upper_level, score):
    assert performance_score(total, upper_level=upper_level) == score


@pytest.mark.parametrize("total", [D("-0.01"), D("100.01")])
def test_performance_score_needs_a_total_out_of_100(total):
    with pytest.raises(ValueError, match="考核总得分应在 0 到 100 之间"):
        performance_score(total)


def test_a_supporting_unit_takes_its_townships_score():
    scores = unit_scores({"县财政局": "440232101", "县教育局": "440232102"}, {"440232101": D(91), "440232102": D(78)})
    assert scores == {"县财政局": D(91), "县教育局": D(78)}
    with pytest.raises(ValueError, match="帮扶的镇还没有考核得分：县民政局"):
        unit_scores({"县民政局": "440232109"}, {"440232101": D(91)})


# ---- measured values ----


@pytest.mark.parametrize(
    ("count", "households", "value"), [(37, 1234, D("3.00")), (1, 3, D("33.33")), (0, 5, D("0.00"))]
)
def test_per_hundred_households(count, households, value):
    assert per_hundred(count, households) == value


def test_per_hundred_needs_households():
    with pytest.raises(ValueError, match="户数应大于 0"):
        per_hundred(1, 0)


def test_lower_is_better_is_the_default_direction():
    assert PointsRule(D(0), D(1)).direction == LOWER
