"""GB 11643 resident identity numbers and mainland phone numbers: checking and masking."""

import datetime
import functools
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import exceptions as stdnum_errors
from stdnum.cn import ric

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Landlines as schools write them: 0731-84412345, 073184412345, 0731 8441 2345.
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,5})?$")
_PHONE_STRIP = re.compile(r"[\s()（）]")


def normalize_id_number(value: str) -> str:
    """Strip spaces and upper-case the check letter: ' 43010220150312001x ' -> '...X'."""
    return re.sub(r"\s+", "", value or "").upper()


def validate_id_number(value: str) -> None:
    """Raise a Chinese ValidationError unless the value is a valid 18-character GB 11643 number."""
    number = normalize_id_number(value)
    problem = _id_number_problem(number)
    if problem is not None:
        message, code, params = problem
        raise ValidationError(message, code=code, params=params)
    birth = id_birth_date(number)
    # Any time zone's date is within a day of the machine's: only a birth date that recent
    # needs the school's date (timezone.localdate() is most of a check an import makes 25,000
    # times).
    if birth >= datetime.date.today() - datetime.timedelta(days=1) and birth > timezone.localdate():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth_date")


@functools.lru_cache(maxsize=20_000)
def _id_number_problem(number: str) -> tuple[Any, str, dict[str, int] | None] | None:
    """What is wrong with a normalised number, whatever the day, as (message, code, params) for
    a ValidationError; None if nothing (remembered: a roster import checks each number a few
    times)."""
    if len(number) != 18:
        return _("身份证号应为18位（现为%(n)d位）。"), "id_length", {"n": len(number)}
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return _("身份证号只能由数字和末位的X组成。"), "id_format", None
    problem = _ric_problem(number)
    if problem is stdnum_errors.InvalidChecksum:
        return _("身份证号校验位不正确，请核对后重新输入。"), "id_checksum", None
    if problem is stdnum_errors.InvalidComponent:
        if id_birth_date(number) is None:
            return _("身份证号中的出生日期无效。"), "id_birth_date", None
        return _("身份证号前6位不是有效的行政区划代码。"), "id_area", None
    if problem is not None:
        return _("身份证号格式不正确。"), "id_format", None
    return None


def validate_adult_id_number(value: str) -> None:
    """validate_id_number for a parent or guardian. python-stdnum also refuses an area code
    assigned after the person's birth year, but adults got their numbers (from 1984) with the
    codes then in force: 430524 for a grandmother born in 1958. Any code it knows is accepted."""
    try:
        validate_id_number(value)
    except ValidationError as error:
        if error.code != "id_area" or not _area_known(normalize_id_number(value)[:6]):
            raise


@functools.lru_cache(maxsize=4_000)
def _area_known(code: str) -> bool:
    from stdnum import numdb

    return any(props for _part, props in numdb.get("cn/loc").info(code))


def _ric_problem(number: str) -> type[stdnum_errors.ValidationError] | None:
    """What python-stdnum finds wrong with the number, if anything (it looks the area code up
    in a table: remembered by _id_number_problem)."""
    try:
        ric.validate(number)
    except stdnum_errors.ValidationError as exc:
        return type(exc)
    return None


def id_birth_date(number: str) -> datetime.date | None:
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_gender(number: str) -> str:
    """'M' or 'F' from the 17th digit (odd is male)."""
    return "M" if int(number[16]) % 2 else "F"


def id_check_digit(first17: str) -> str:
    """The check character for the first 17 digits (used by the demo data and tests)."""
    return ric.calc_check_digit(first17 + "0")


def normalize_phone(value: str) -> str:
    return _PHONE_STRIP.sub("", value or "").replace("－", "-")


def validate_phone(value: str) -> None:
    phone = normalize_phone(value)
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return
    if phone.isdigit() and phone.startswith("1") and len(phone) == 11:
        raise ValidationError(_("手机号的号段不正确（第二位应为3至9）。"), code="phone_prefix")
    if phone.isdigit() and phone.startswith("1"):
        raise ValidationError(
            _("手机号应为以1开头的11位数字（现为%(n)d位）。"),
            code="phone_length",
            params={"n": len(phone)},
        )
    raise ValidationError(
        _("电话号码格式不正确：请填写11位手机号或带区号的固定电话，如 0731-84412345。"),
        code="phone_format",
    )


# What a masked identity number keeps: its first six characters, the area code (the county and
# township of the household, which a teacher knows from the village anyway). Nothing after it:
# the birth date is shown beside the number, and with the area known the last digits (sequence
# and check digit) would give the whole number back.
ID_MASK_KEEPS = 6


def mask_id_number(value: str) -> str:
    """'430102201503120017' -> '430102************' (the same length)."""
    if not value:
        return ""
    if len(value) <= ID_MASK_KEEPS + 4:
        return "*" * len(value)
    return value[:ID_MASK_KEEPS] + "*" * (len(value) - ID_MASK_KEEPS)


def mask_phone(value: str) -> str:
    """'13812341234' -> '138****1234'; '0739-8123456' -> '0739-***3456' (area code kept)."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    if value.startswith("0"):
        area, dash, number = value.partition("-")
        if not dash:  # 010 and 02x are three digits long, every other area code four
            cut = 3 if value[1] in "12" else 4
            area, number = value[:cut], value[cut:]
        return area + dash + "*" * (len(number) - 4) + number[-4:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
