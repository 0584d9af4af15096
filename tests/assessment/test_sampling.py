"""Sample sizes, reproducible interval and random draws, stratified plans and satisfaction quotas (issue 6,
seed 002 §五). Pure functions: no database."""

import dataclasses
import hashlib
import random
from collections import Counter
from decimal import Decimal as D

import pytest

from assessment.sampling import (
    SATISFACTION_GROUPS,
    DrawnHousehold,
    Method,
    SampleUnit,
    SatisfactionGroup,
    SeededDraw,
    Stratum,
    StratumPlan,
    SurveyResponse,
    VillageUnit,
    check_satisfaction_survey,
    draw_satisfaction_households,
    draw_stratified,
    draw_villages,
    interval_positions,
    interval_sample,
    random_sample,
    roster_fingerprint,
    sample_size,
    satisfaction_quotas,
)

TOWNSHIP = "440232101"
VILLAGE_A = "440232101201"
VILLAGE_B = "440232101202"
VILLAGE_C = "440232101203"
LABOUR = SatisfactionGroup.POOR_WITH_LABOUR
ORDINARY = SatisfactionGroup.ORDINARY
NO_LABOUR = SatisfactionGroup.NO_LABOUR_DIBAO_WUBAO


def roster(count, prefix="44023210100"):
    return [f"{prefix}{i:05d}" for i in range(1, count + 1)]


def shuffled(items, seed=1):
    items = list(items)
    random.Random(seed).shuffle(items)
    return items


# ---- sample size (Cochran with the finite-population correction) ----


@pytest.mark.parametrize(
    ("population", "margin", "confidence", "proportion", "size"),
    [
        (1_000_000, "0.05", 95, "0.5", 385),  # n0 = 384.16: nearly no correction
        (1000, "0.05", 95, "0.5", 278),  # 384.16 / (1 + 383.16 / 1000) = 277.77
        (100, "0.05", 95, "0.5", 80),  # 384.16 / 4.8316 = 79.51
        (1000, "0.05", 90, "0.5", 214),  # z = 1.645: n0 = 270.6025 → 213.14
        (1000, "0.05", 99, "0.5", 400),  # z = 2.576: n0 = 663.5776 → 399.12
        (1522, "0.01", 95, "0.02", 504),  # an expected 2% error rate needs fewer households
        (99, "0.098", 95, "0.5", 50),  # n0 = 100 exactly, n = 9900 / 198 = 50 exactly: not rounded up to 51
        (1, "0.05", 95, "0.5", 1),
        (10, "0.5", 95, "0.5", 3),
        (0, "0.05", 95, "0.5", 0),
    ],
)
def test_sample_size_with_the_finite_population_correction(population, margin, confidence, proportion, size):
    assert sample_size(population=population, margin=D(margin), confidence=confidence, proportion=D(proportion)) == size


def test_sample_size_never_exceeds_the_population():
    assert sample_size(population=5, margin=D("0.01")) == 5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"confidence": 80}, "置信水平只能是 90%、95% 或 99%"),
        ({"margin": D(0)}, "允许误差应大于 0 且小于 1"),
        ({"margin": D(1)}, "允许误差应大于 0 且小于 1"),
        ({"proportion": D(0)}, "预期比例应大于 0 且小于 1"),
        ({"proportion": D(1)}, "预期比例应大于 0 且小于 1"),
        ({"population": -1}, "总体户数不能为负数"),
    ],
)
def test_sample_size_refuses_impossible_parameters(kwargs, message):
    arguments = {"population": 100, "margin": D("0.05"), **kwargs}
    with pytest.raises(ValueError, match=message):
        sample_size(**arguments)


# ---- the seeded generator ----


def test_the_generator_is_sha256_of_key_and_counter():
    draw = SeededDraw("2017", TOWNSHIP, "poor")
    assert draw.key == f"2017:{TOWNSHIP}:poor"
    for counter in range(3):
        expected = int.from_bytes(hashlib.sha256(f"2017:{TOWNSHIP}:poor:{counter}".encode()).digest(), "big") % 97
        assert draw.below(97) == expected


def test_a_child_extends_the_key_and_starts_its_own_counter():
    parent = SeededDraw(2017, "x")
    parent.below(5)
    assert parent.child("rest").key == "2017:x:rest"
    assert parent.child("rest").below(1000) == SeededDraw("2017:x:rest").below(1000)


def test_an_integer_seed_and_its_text_draw_the_same():
    assert SeededDraw(42, "a").below(10**9) == SeededDraw("42", "a").below(10**9)


@pytest.mark.parametrize("bound", [0, -1])
def test_the_generator_needs_a_positive_bound(bound):
    with pytest.raises(ValueError):
        SeededDraw("s").below(bound)


# ---- equal-interval positions ----


@pytest.mark.parametrize(
    ("population", "n", "start", "positions"),
    [
        (10, 3, 0, [0, 3, 6]),  # k = 10/3: floor(0), floor(3.33), floor(6.67)
        (10, 3, 9, [3, 6, 9]),  # s = 9/3 = 3: floor(3), floor(6.33), floor(9.67)
        (10, 4, 0, [0, 2, 5, 7]),  # k = 2.5
        (10, 4, 9, [2, 4, 7, 9]),  # s = 2.25
        (6, 3, 3, [1, 3, 5]),  # k = 2, s = 1
        (5, 5, 4, [0, 1, 2, 3, 4]),  # n = N: everything
        (7, 1, 6, [6]),
    ],
)
def test_interval_positions_on_a_known_roster(population, n, start, positions):
    assert interval_positions(population, n, start) == positions


@pytest.mark.parametrize("population", range(1, 13))
def test_every_household_has_the_same_chance_n_over_n(population):
    # Over every start 0 … N − 1, each position is drawn exactly n times: inclusion probability n / N.
    for n in range(1, population + 1):
        counts = Counter()
        for start in range(population):
            positions = interval_positions(population, n, start)
            assert positions == sorted(set(positions))
            counts.update(positions)
        assert counts == {position: n for position in range(population)}


@pytest.mark.parametrize(("population", "n", "start"), [(10, 0, 0), (10, 11, 0), (10, 3, 10), (10, 3, -1)])
def test_interval_positions_refuse_impossible_arguments(population, n, start):
    with pytest.raises(ValueError):
        interval_positions(population, n, start)


# ---- equal-interval and random samples ----


def test_interval_sample_takes_every_kth_household_from_the_seeded_start():
    numbers = roster(100)
    start = int.from_bytes(hashlib.sha256(b"2017:poor:0").digest(), "big") % 100
    assert start == 29
    # k = 10, s = 2.9: positions 2, 12, 22, … → household numbers …003, …013, …
    assert interval_sample(numbers, 10, SeededDraw("2017", "poor")) == tuple(numbers[2::10])


def test_interval_sample_with_a_non_integer_interval():
    numbers = roster(10)
    start = SeededDraw("s", "k").below(10)
    expected = tuple(numbers[p] for p in interval_positions(10, 4, start))
    assert interval_sample(numbers, 4, SeededDraw("s", "k")) == expected


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
def test_shuffled_rosters_give_identical_samples(sampler):
    numbers = roster(237)
    first = sampler(numbers, 17, SeededDraw("2017", TOWNSHIP, "x"))
    for seed in range(5):
        assert sampler(shuffled(numbers, seed), 17, SeededDraw("2017", TOWNSHIP, "x")) == first
    assert sampler(reversed(numbers), 17, SeededDraw("2017", TOWNSHIP, "x")) == first


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
def test_another_seed_draws_another_sample(sampler):
    numbers = roster(237)
    assert sampler(numbers, 17, SeededDraw("2017", "x")) != sampler(numbers, 17, SeededDraw("2018", "x"))


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, ()),
        (3, tuple(roster(3))),  # n = N: the whole roster
        (7, tuple(roster(3))),  # n > N: the whole roster
    ],
)
def test_zero_and_oversized_samples(sampler, n, expected):
    assert sampler(shuffled(roster(3)), n, SeededDraw("s")) == expected


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
def test_an_empty_roster_gives_an_empty_sample(sampler):
    assert sampler([], 5, SeededDraw("s")) == ()


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
def test_a_negative_size_is_refused(sampler):
    with pytest.raises(ValueError, match="样本量不能为负数"):
        sampler(roster(3), -1, SeededDraw("s"))


@pytest.mark.parametrize("sampler", [interval_sample, random_sample])
def test_a_household_number_listed_twice_is_refused(sampler):
    with pytest.raises(ValueError, match="户编号 4402321010000002 重复出现"):
        sampler([*roster(3), "4402321010000002"], 2, SeededDraw("s"))


def test_random_sample_is_a_seeded_partial_fisher_yates_in_number_order():
    numbers = roster(100)
    sample = random_sample(shuffled(numbers), 5, SeededDraw("2017", "ordinary"))
    assert sample == (
        "4402321010000045",
        "4402321010000061",
        "4402321010000080",
        "4402321010000086",
        "4402321010000091",
    )
    draw = SeededDraw("2017", "ordinary")
    pool = list(numbers)
    for i in range(5):
        j = i + draw.below(100 - i)
        pool[i], pool[j] = pool[j], pool[i]
    assert sample == tuple(sorted(pool[:5]))


def test_random_sample_has_distinct_households_of_the_roster():
    numbers = roster(50)
    sample = random_sample(numbers, 49, SeededDraw("s"))
    assert len(set(sample)) == 49
    assert set(sample) <= set(numbers)


def test_numbers_are_ordered_by_code_point_whatever_the_database_collation():
    # A roster with numbers of different lengths: "10" sorts before "9", as in PostgreSQL's "C" collation.
    numbers = ["9", "10", "11", "8"]
    assert interval_sample(numbers, 4, SeededDraw("s")) == ("10", "11", "8", "9")


# ---- stratified plans ----


def county_roster():
    """One township: 40 pre-exit households (8 ill/disabled, 15 scattered), 20 exited, 60 ordinary."""
    units = []
    for i, number in enumerate(roster(40, "4402321012010")):
        units.append(
            SampleUnit(
                number,
                Stratum.PRE_EXIT,
                VILLAGE_A if i < 25 else VILLAGE_B,
                scattered=i >= 25,
                ill_or_disabled=i % 5 == 0,
            )
        )
    units += [SampleUnit(n, Stratum.EXITED, VILLAGE_A) for n in roster(20, "4402321012020")]
    units += [SampleUnit(n, Stratum.ORDINARY, VILLAGE_B, scattered=True) for n in roster(60, "4402321012030")]
    return units


PLANS = [
    StratumPlan(Stratum.PRE_EXIT, 20, scattered_minimum=10, ill_disabled_share=D("0.25")),
    StratumPlan(Stratum.ORDINARY, 10),
    StratumPlan(Stratum.EXITED, 5),
]


def test_a_stratified_plan_meets_its_sizes_and_minimums():
    draw = draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope=TOWNSHIP)
    units = {u.number: u for u in county_roster()}
    by_stratum = Counter(h.stratum for h in draw.households)
    assert by_stratum == {Stratum.PRE_EXIT: 20, Stratum.EXITED: 5, Stratum.ORDINARY: 10}
    pre_exit = [units[h.number] for h in draw.households if h.stratum == Stratum.PRE_EXIT]
    assert sum(u.ill_or_disabled for u in pre_exit) >= 5  # ceil(0.25 × 20)
    assert sum(u.scattered for u in pre_exit) >= 10
    assert draw.shortfalls == ()
    assert len(set(draw.numbers)) == 35
    # Ordered by stratum (plan order does not matter), then household number.
    strata = [h.stratum for h in draw.households]
    assert strata == [Stratum.PRE_EXIT] * 20 + [Stratum.EXITED] * 5 + [Stratum.ORDINARY] * 10
    assert [h.number for h in draw.households[:20]] == sorted(h.number for h in draw.households[:20])


def test_registered_strata_are_drawn_by_interval_and_ordinary_households_at_random():
    draw = draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope=TOWNSHIP)
    methods = {h.stratum: h.method for h in draw.households}
    assert methods == {Stratum.PRE_EXIT: Method.INTERVAL, Stratum.EXITED: Method.INTERVAL, Stratum.ORDINARY: "random"}


def test_the_ill_and_disabled_minimum_is_drawn_first_by_interval_among_them():
    units = county_roster()
    draw = draw_stratified(units, PLANS, seed="2017-县考核", scope=TOWNSHIP)
    ill = [u.number for u in units if u.stratum == Stratum.PRE_EXIT and u.ill_or_disabled]
    expected = interval_sample(ill, 5, SeededDraw("2017-县考核", TOWNSHIP, Stratum.PRE_EXIT, "ill_disabled"))
    assert tuple(h.number for h in draw.households if h.part == "ill_disabled") == expected


def test_the_scattered_shortfall_then_the_rest():
    draw = draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope=TOWNSHIP)
    parts = Counter(h.part for h in draw.households if h.stratum == Stratum.PRE_EXIT)
    assert parts["ill_disabled"] == 5
    assert parts["ill_disabled"] + parts["scattered"] + parts["rest"] == 20
    assert {h.part for h in draw.households if h.stratum != Stratum.PRE_EXIT} == {"rest"}


def test_the_same_plan_and_seed_draw_the_same_households_in_any_input_order():
    first = draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope=TOWNSHIP)
    for seed in range(5):
        again = draw_stratified(
            shuffled(county_roster(), seed), list(reversed(PLANS)), seed="2017-县考核", scope=TOWNSHIP
        )
        assert again == first


def test_another_township_or_seed_draws_differently():
    first = draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope=TOWNSHIP)
    assert draw_stratified(county_roster(), PLANS, seed="2017-县考核", scope="440232102").numbers != first.numbers
    assert draw_stratified(county_roster(), PLANS, seed="2018-县考核", scope=TOWNSHIP).numbers != first.numbers


def test_a_small_roster_is_taken_whole_and_the_shortfalls_are_listed():
    units = [SampleUnit(n, Stratum.PRE_EXIT, VILLAGE_A, ill_or_disabled=i == 0) for i, n in enumerate(roster(6))]
    plans = [StratumPlan(Stratum.PRE_EXIT, 20, scattered_minimum=2, ill_disabled_share=D("0.5"))]
    draw = draw_stratified(units, plans, seed="s", scope=TOWNSHIP)
    assert draw.numbers == tuple(roster(6))
    assert draw.shortfalls == (
        "预脱贫户应抽 20 户，名册只有 6 户，已全部抽取",
        "预脱贫户中因病因残户应不少于 3 户，只有 1 户",
        "预脱贫户中分散户应不少于 2 户，只抽到 0 户",
    )


def test_minimums_that_do_not_fit_the_size_are_reported():
    # 4 households, all of them ill and none scattered, fill the size before any scattered household can come in.
    units = [SampleUnit(n, Stratum.POOR, ill_or_disabled=True) for n in roster(4)]
    units += [SampleUnit(n, Stratum.POOR, scattered=True) for n in roster(4, "9")]
    plans = [StratumPlan(Stratum.POOR, 4, scattered_minimum=2, ill_disabled_share=D(1))]
    draw = draw_stratified(units, plans, seed="s", scope=TOWNSHIP)
    assert draw.numbers == tuple(roster(4))
    assert draw.shortfalls == ("未脱贫户中分散户应不少于 2 户，只抽到 0 户",)


def test_a_household_in_two_strata_is_refused():
    units = [*county_roster(), SampleUnit("4402321012010" + "00001", Stratum.ORDINARY)]
    with pytest.raises(ValueError, match="户编号 440232101201000001 重复出现"):
        draw_stratified(units, PLANS, seed="s", scope=TOWNSHIP)
    with pytest.raises(ValueError, match="重复出现"):
        draw_satisfaction_households(units, [VILLAGE_A], seed="s")


def test_an_empty_stratum_draws_nothing():
    draw = draw_stratified([], [StratumPlan(Stratum.EXITED, 0)], seed="s", scope=TOWNSHIP)
    assert draw.households == ()
    assert draw.shortfalls == ()


@pytest.mark.parametrize(
    ("plans", "message"),
    [
        ([StratumPlan("rich", 5)], "未知的抽样层「rich」"),
        ([StratumPlan(Stratum.POOR, -1)], "未脱贫户样本量不能为负数"),
        ([StratumPlan(Stratum.POOR, 5, scattered_minimum=6)], "未脱贫户中分散户的最低户数应在 0 到样本量 5 之间"),
        ([StratumPlan(Stratum.POOR, 5, ill_disabled_share=D("1.1"))], "因病因残户的最低比例应在 0 到 1 之间"),
        ([StratumPlan(Stratum.POOR, 5), StratumPlan(Stratum.POOR, 6)], "抽样层「未脱贫户」重复"),
    ],
)
def test_invalid_plans_are_refused(plans, message):
    with pytest.raises(ValueError, match=message):
        draw_stratified(county_roster(), plans, seed="s", scope=TOWNSHIP)


def test_the_roster_fingerprint_ignores_order_and_sees_every_input_of_the_draw():
    units = county_roster()
    fingerprint = roster_fingerprint(units)
    assert len(fingerprint) == 64
    assert roster_fingerprint(shuffled(units)) == fingerprint
    changed = [dataclasses.replace(units[0], ill_or_disabled=not units[0].ill_or_disabled), *units[1:]]
    assert roster_fingerprint(changed) != fingerprint
    assert roster_fingerprint(units[1:]) != fingerprint
    one = SampleUnit("1", Stratum.POOR, VILLAGE_A, scattered=True, satisfaction_group=LABOUR)
    expected = hashlib.sha256(f"1|poor|{VILLAGE_A}|1|0|poor_with_labour".encode()).hexdigest()
    assert roster_fingerprint([one]) == expected


# ---- villages ----


VILLAGES = [VillageUnit(f"4402321012{i:02d}", poor_village=i <= 3) for i in range(1, 10)]


def test_village_draw_takes_the_minimum_poor_and_non_poor_villages():
    draw = draw_villages(VILLAGES, 3, seed="2017", scope=TOWNSHIP, min_poor=1, min_non_poor=1)
    poor = {v.code for v in VILLAGES if v.poor_village}
    assert len(draw.codes) == 3
    assert any(code in poor for code in draw.codes)
    assert any(code not in poor for code in draw.codes)
    assert draw.codes == tuple(sorted(draw.codes))
    assert draw.shortfalls == ()
    assert draw_villages(shuffled(VILLAGES), 3, seed="2017", scope=TOWNSHIP, min_poor=1, min_non_poor=1) == draw


def test_a_township_without_poor_villages_is_reported():
    villages = [v for v in VILLAGES if not v.poor_village][:2]
    draw = draw_villages(villages, 3, seed="2017", scope=TOWNSHIP, min_poor=1, min_non_poor=1)
    assert draw.codes == tuple(v.code for v in villages)
    assert draw.shortfalls == ("应至少抽查 1 个贫困村，只有 0 个", "应抽查 3 个村，只有 2 个")


def test_too_few_non_poor_villages_are_reported():
    villages = [v for v in VILLAGES if v.poor_village]
    draw = draw_villages(villages, 2, seed="2017", scope=TOWNSHIP, min_non_poor=1)
    assert len(draw.codes) == 2
    assert draw.shortfalls == ("应至少抽查 1 个非贫困村，只有 0 个",)


@pytest.mark.parametrize(("count", "min_poor", "min_non_poor"), [(1, 1, 1), (-1, 0, 0), (2, -1, 0)])
def test_village_minimums_must_fit_the_count(count, min_poor, min_non_poor):
    with pytest.raises(ValueError, match="抽查村数应不少于"):
        draw_villages(VILLAGES, count, seed="s", scope=TOWNSHIP, min_poor=min_poor, min_non_poor=min_non_poor)


# ---- satisfaction quotas 5:3:2 ----


@pytest.mark.parametrize(
    ("n", "quotas"),
    [
        (0, (0, 0, 0)),
        (1, (1, 0, 0)),
        (2, (1, 1, 0)),  # 1.0 / 0.6 / 0.4
        (3, (1, 1, 1)),  # 1.5 / 0.9 / 0.6: the two largest remainders
        (10, (5, 3, 2)),
        (11, (6, 3, 2)),  # 5.5 / 3.3 / 2.2
        (12, (6, 4, 2)),  # 6.0 / 3.6 / 2.4
        (13, (6, 4, 3)),  # 6.5 / 3.9 / 2.6
        (15, (8, 4, 3)),  # 7.5 / 4.5 / 3.0: equal remainders go to the group listed first
        (20, (10, 6, 4)),
    ],
)
def test_satisfaction_quotas_by_largest_remainder(n, quotas):
    assert satisfaction_quotas(n) == dict(zip(SATISFACTION_GROUPS, quotas, strict=True))


def test_satisfaction_quotas_always_add_up():
    for n in range(200):
        assert sum(satisfaction_quotas(n).values()) == n


def test_satisfaction_quotas_refuse_a_negative_count():
    with pytest.raises(ValueError):
        satisfaction_quotas(-1)


def satisfaction_units():
    units = []
    for village in (VILLAGE_A, VILLAGE_B):
        tail = village[-1]
        units += [SampleUnit(f"{tail}1{i:03d}", Stratum.POOR, village, satisfaction_group=LABOUR) for i in range(30)]
        units += [
            SampleUnit(f"{tail}2{i:03d}", Stratum.ORDINARY, village, satisfaction_group=ORDINARY) for i in range(90)
        ]
        units += [SampleUnit(f"{tail}3{i:03d}", Stratum.POOR, village, satisfaction_group=NO_LABOUR) for i in range(6)]
        units.append(SampleUnit(f"{tail}4000", Stratum.POOR, village))  # in no survey group
    return units


def test_satisfaction_households_follow_the_quotas_per_village():
    draw = draw_satisfaction_households(satisfaction_units(), [VILLAGE_B, VILLAGE_A], seed="2017")
    assert draw.shortfalls == ()
    for village in (VILLAGE_A, VILLAGE_B):
        counts = Counter(h.part for h in draw.households if h.village == village)
        assert counts == {LABOUR: 5, ORDINARY: 3, NO_LABOUR: 2}
    methods = {h.part: h.method for h in draw.households}
    assert methods == {LABOUR: Method.INTERVAL, ORDINARY: Method.RANDOM, NO_LABOUR: Method.INTERVAL}
    labour_a = [u.number for u in satisfaction_units() if u.village == VILLAGE_A and u.satisfaction_group == LABOUR]
    expected = interval_sample(labour_a, 5, SeededDraw("2017", VILLAGE_A, "satisfaction", LABOUR))
    assert tuple(h.number for h in draw.households if h.village == VILLAGE_A and h.part == LABOUR) == expected
    again = draw_satisfaction_households(shuffled(satisfaction_units()), [VILLAGE_A, VILLAGE_B], seed="2017")
    assert again == draw


def test_a_group_short_of_households_is_reported_not_filled_from_another():
    units = [u for u in satisfaction_units() if not (u.village == VILLAGE_A and u.satisfaction_group == NO_LABOUR)]
    draw = draw_satisfaction_households(units, [VILLAGE_A, VILLAGE_C], seed="2017", per_village=12)
    assert Counter(h.part for h in draw.households) == {LABOUR: 6, ORDINARY: 4}
    assert draw.shortfalls == (
        f"村 {VILLAGE_A} 的无劳动能力低保五保户应抽 2 户，只有 0 户",
        f"村 {VILLAGE_C} 的有劳动能力贫困户应抽 6 户，只有 0 户",
        f"村 {VILLAGE_C} 的一般农户应抽 4 户，只有 0 户",
        f"村 {VILLAGE_C} 的无劳动能力低保五保户应抽 2 户，只有 0 户",
    )
    assert isinstance(draw.households[0], DrawnHousehold)


# ---- checking a recorded survey ----


def responses(village, labour, ordinary, no_labour, answer="satisfied"):
    counts = ((LABOUR, labour), (ORDINARY, ordinary), (NO_LABOUR, no_labour))
    return [
        SurveyResponse(f"{village}{group[:2]}{i:02d}", village, group, answer)
        for group, count in counts
        for i in range(count)
    ]


def test_two_villages_of_ten_at_five_three_two_conform():
    check = check_satisfaction_survey(responses(VILLAGE_A, 5, 3, 2) + responses(VILLAGE_B, 5, 3, 2))
    assert check.ok
    assert check.problems == ()
    assert [v.village for v in check.villages] == [VILLAGE_A, VILLAGE_B]


def test_a_larger_village_conforms_at_its_own_split():
    assert check_satisfaction_survey(responses(VILLAGE_A, 6, 4, 2) + responses(VILLAGE_B, 8, 4, 3)).ok


@pytest.mark.parametrize(
    ("counts", "missing", "problem"),
    [
        ((4, 2, 2), (1, 1, 0), "已测评 8 户，按 5:3:2 至少应为 10 户，还缺：有劳动能力贫困户 1 户、一般农户 1 户"),
        ((0, 0, 0), None, None),  # not a village of the survey at all: see the village count
        ((7, 3, 2), (0, 1, 1), "已测评 12 户，按 5:3:2 至少应为 14 户，还缺：一般农户 1 户、无劳动能力低保五保户 1 户"),
        (
            (5, 5, 0),
            (3, 0, 3),
            "已测评 10 户，按 5:3:2 至少应为 16 户，还缺：有劳动能力贫困户 3 户、无劳动能力低保五保户 3 户",
        ),
    ],
)
def test_what_a_village_is_missing(counts, missing, problem):
    check = check_satisfaction_survey(responses(VILLAGE_A, 5, 3, 2) + responses(VILLAGE_B, *counts))
    if missing is None:
        assert check.problems == ("至少应测评 2 个村，现有 1 个",)
        return
    village = check.villages[1]
    assert village.missing == dict(zip(SATISFACTION_GROUPS, missing, strict=True))
    assert not village.ok
    assert check.problems == (f"村 {VILLAGE_B} {problem}",)
    # Adding exactly what is missing makes the village conform.
    added = [
        SurveyResponse(f"added{g}{i}", VILLAGE_B, g, "satisfied") for g, c in village.missing.items() for i in range(c)
    ]
    assert check_satisfaction_survey(responses(VILLAGE_A, 5, 3, 2) + responses(VILLAGE_B, *counts) + added).ok


def test_a_household_answering_twice_counts_once():
    recorded = responses(VILLAGE_A, 5, 3, 2) + responses(VILLAGE_B, 5, 3, 2)
    check = check_satisfaction_survey([*recorded, recorded[0]])
    assert check.problems == (f"户 {recorded[0].number} 重复测评，只计一次",)


def test_an_unknown_group_is_refused():
    with pytest.raises(ValueError, match="测评对象类别「rich」无效"):
        check_satisfaction_survey([SurveyResponse("1", VILLAGE_A, "rich", "satisfied")])


def test_an_empty_survey_lacks_villages():
    check = check_satisfaction_survey([])
    assert check.problems == ("至少应测评 2 个村，现有 0 个",)
    assert not check.ok


def test_a_response_knows_its_township():
    assert SurveyResponse("1", VILLAGE_A + "001", LABOUR, "satisfied").township == TOWNSHIP
