import datetime

import pytest
from django.core.exceptions import ValidationError

from households.idnumber import make_id_number, mask_id_number, normalize_id_number, parse_id_number

TODAY = datetime.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("number", "birth", "sex"),
    [
        # 东川区 530113 exists since 1998; its elderly carry it (FORMATS §2): must be accepted.
        (make_id_number("53011319400101001"), datetime.date(1940, 1, 1), "1"),
        (make_id_number("53011320000229002"), datetime.date(2000, 2, 29), "2"),
        (make_id_number("11010519491231002"), datetime.date(1949, 12, 31), "2"),
        # born today is not in the future
        (make_id_number("53011320261122003"), TODAY, "1"),
    ],
)
def test_valid_numbers_give_birth_date_and_sex(number, birth, sex):
    info = parse_id_number(number, today=TODAY)
    assert (info.birth_date, info.sex) == (birth, sex)


def test_lowercase_x_and_full_width_digits_are_normalised():
    number = next(n for n in (make_id_number(f"53011319900101{i:03d}") for i in range(100)) if n.endswith("X"))
    full_width = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
    assert normalize_id_number(full_width) == number
    assert parse_id_number(full_width, today=TODAY).number == number


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("53011319900101001", "length"),
        ("5301131990010100123", "length"),
        ("53011319900101001A", "digits"),
        (make_id_number("99011319900101001"), "province"),
        (make_id_number("53011319900230001"), "birth_date"),
        (make_id_number("53011320261123001"), "future_birth"),
        (make_id_number("53011318991231001"), "old_birth"),
    ],
)
def test_invalid_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(number, today=TODAY)
    assert excinfo.value.code == code


def test_wrong_check_digit_is_refused():
    good = make_id_number("53011319900101001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as excinfo:
        parse_id_number(bad, today=TODAY)
    assert excinfo.value.code == "checksum"
    assert "校验位" in excinfo.value.message


def test_mask_keeps_region_and_last_four():
    assert mask_id_number("530113199001011234") == "530113********1234"
    assert mask_id_number("") == ""
