"""ID numbers, phones, their masking, and the pinyin that search uses."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from caresys.lib.identity import (
    id_check_digit,
    mask_id_number,
    mask_phone,
    normalize_id_number,
    validate_id_number,
    validate_phone,
)
from caresys.lib.pinyin import name_pinyin
from tests.factories import make_id_number


def error_text(excinfo: pytest.ExceptionInfo) -> str:
    return " ".join(excinfo.value.messages)


def number_ending_in_x() -> str:
    """A real number whose check character is X (about one in eleven serials has one)."""
    for serial in range(1000):
        first17 = f"43052420170312{serial:03d}"
        if id_check_digit(first17) == "X":
            return first17 + "X"
    raise AssertionError("no serial gives the check character X")


def with_wrong_check_digit(number: str) -> str:
    wrong = "0" if number[-1] != "0" else "1"
    return number[:-1] + wrong


# --- validate_id_number ----------------------------------------------------------------------


def test_a_valid_id_number_is_accepted():
    validate_id_number(make_id_number(datetime.date(2016, 5, 20), "F"))


def test_an_id_number_whose_check_character_is_x_is_accepted():
    number = number_ending_in_x()
    assert number.endswith("X")
    validate_id_number(number)


def test_an_id_number_typed_with_a_lower_case_x_and_spaces_is_accepted():
    number = number_ending_in_x()
    validate_id_number(f" {number[:6]} {number[6:14]} {number[14:].lower()} ")


def test_an_id_number_with_a_wrong_check_digit_is_rejected_with_a_chinese_message():
    number = make_id_number(datetime.date(2016, 5, 20))
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(with_wrong_check_digit(number))
    assert "校验位不正确" in error_text(excinfo)


@pytest.mark.parametrize("length", [15, 17, 19])
def test_an_id_number_of_the_wrong_length_is_rejected_with_its_length_in_the_message(length):
    number = (make_id_number(datetime.date(2016, 5, 20)) * 2)[:length]
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(number)
    assert error_text(excinfo) == f"身份证号应为18位（现为{length}位）。"


def test_an_id_number_with_letters_is_rejected_with_a_chinese_message():
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number("4305242017O312001X")
    assert "只能由数字和末位的X组成" in error_text(excinfo)


def test_an_id_number_with_an_impossible_birth_date_is_rejected_as_a_bad_birth_date():
    first17 = "43052420170231001"  # 31 February
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(first17 + id_check_digit(first17))
    assert "出生日期无效" in error_text(excinfo)


def test_an_id_number_with_a_birth_date_in_the_future_is_rejected_as_a_bad_birth_date():
    born = timezone.localdate() + datetime.timedelta(days=400)
    first17 = f"430524{born:%Y%m%d}001"
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(first17 + id_check_digit(first17))
    assert "出生日期无效" in error_text(excinfo)


def test_an_id_number_with_an_unknown_area_code_is_rejected_as_a_bad_area_code():
    first17 = "99999920170312001"
    with pytest.raises(ValidationError) as excinfo:
        validate_id_number(first17 + id_check_digit(first17))
    assert "行政区划代码" in error_text(excinfo)


def test_normalizing_an_id_number_removes_spaces_and_upper_cases_the_x():
    assert normalize_id_number(" 430524 20170312 005x ") == "43052420170312005X"


# --- phones ----------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", ["13812341234", "19912345678", "0739-8123456", "073184412345"])
def test_mobiles_and_landlines_with_an_area_code_are_accepted(phone):
    validate_phone(phone)


def test_a_mobile_whose_second_digit_is_not_3_to_9_is_rejected():
    with pytest.raises(ValidationError):
        validate_phone("12812341234")


def test_a_mobile_one_digit_short_is_rejected_with_the_expected_and_actual_length():
    with pytest.raises(ValidationError) as excinfo:
        validate_phone("1381234123")
    assert "11位" in error_text(excinfo)
    assert "现为10位" in error_text(excinfo)


def test_a_landline_without_an_area_code_is_rejected_with_an_example_of_the_right_form():
    with pytest.raises(ValidationError) as excinfo:
        validate_phone("8123456")
    assert "0731-84412345" in error_text(excinfo)


# --- masking ---------------------------------------------------------------------------------


def test_a_masked_id_number_keeps_only_the_area_code_and_its_length():
    masked = mask_id_number("430524201703120017")
    assert masked == "430524************"
    assert len(masked) == 18


def test_a_masked_mobile_keeps_the_first_three_and_last_four_digits():
    assert mask_phone("13812341234") == "138****1234"


def test_a_masked_landline_keeps_its_whole_area_code_and_the_last_four_digits():
    masked = mask_phone("0739-8123456")
    assert masked.startswith("0739")
    assert masked.endswith("3456")
    assert "8123" not in masked


def test_masking_nothing_gives_nothing():
    assert mask_id_number("") == ""
    assert mask_phone("") == ""


# --- pinyin ----------------------------------------------------------------------------------


def test_a_name_gives_its_full_pinyin_and_its_initials():
    assert name_pinyin("王小明") == ("wangxiaoming", "wxm")


def test_the_surname_zeng_is_read_as_zeng_not_ceng():
    full, initials = name_pinyin("曾小华")
    assert full.startswith("zeng")
    assert initials.startswith("z")


def test_a_two_character_surname_gives_an_initial_for_each_character():
    assert name_pinyin("欧阳娜娜") == ("ouyangnana", "oynn")


def test_an_eleven_digit_mobile_with_a_wrong_second_digit_is_not_told_its_length_is_wrong():
    with pytest.raises(ValidationError) as excinfo:
        validate_phone("12812341234")
    assert "号段" in error_text(excinfo)
    assert "现为11位" not in error_text(excinfo)
