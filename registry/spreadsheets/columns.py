"""The archive as spreadsheet columns: one spec that both the export and the roster import read.

Each column names the part and field of the archive (the keys of the archive services' data dict),
its Chinese header with the variants schools write, and how a cell is parsed and written. Because
export and import share this list, an exported archive imports back with zero changes.
"""

import datetime
import decimal
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.identity import (
    mask_id_number,
    mask_phone,
    normalize_id_number,
    normalize_phone,
    validate_adult_id_number,
    validate_id_number,
    validate_phone,
)
from registry.models import ETHNICITY_CHOICES, Guardian, Parent, Pupil, SchoolClass

# The model behind each part of an archive.
PART_MODELS: dict[str, type[models.Model]] = {
    "pupil": Pupil,
    "father": Parent,
    "mother": Parent,
    "guardian": Guardian,
}
TEXT, ID, PHONE, DATE, BOOL, CHOICE, CLASS, YEAR, MULTI = (
    "text", "id", "phone", "date", "bool", "choice", "class", "year", "multi"
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    key: str  # "pupil.name", "father.phone", ...
    header: str
    kind: str = TEXT
    aliases: tuple[str, ...] = ()
    width: int = 12
    # Extra spellings accepted for a choice, beyond its label and stored value.
    choice_aliases: dict[str, str] = field(default_factory=dict)
    # What a bad choice is told it may be, when that is more than the labels.
    choice_hint: str = ""
    # What the blank roster offers for a choice or yes/no column, when not its labels or 是/否.
    offered: tuple[str, ...] = ()

    # Cached: an export asks each of them for every cell (20,000 pupils × 68 columns), where
    # working them out again was a third of the export's time beside openpyxl's writing.
    @cached_property
    def part(self) -> str:
        return self.key.partition(".")[0]

    @cached_property
    def field_name(self) -> str:
        return self.key.partition(".")[2]

    @cached_property
    def model_field(self) -> models.Field:
        return PART_MODELS[self.part]._meta.get_field(self.field_name)

    @cached_property
    def choice_labels(self) -> dict:
        """A choice column's labels by stored value (lazy: read in the active language)."""
        return dict(self.model_field.flatchoices)

    @property
    def sensitive(self) -> bool:
        return self.kind in (ID, PHONE) or self.key == "pupil.student_number"


def _parent_columns(part: str, label: str) -> list[Column]:
    return [
        Column(f"{part}.name", f"{label}姓名", aliases=(f"{label}",), width=10),
        Column(
            f"{part}.phone",
            f"{label}电话",
            PHONE,
            aliases=(f"{label}手机", f"{label}联系电话", f"{label}手机号"),
            width=14,
        ),
        Column(
            f"{part}.work_place",
            f"{label}务工地",
            aliases=(f"{label}务工地点", f"{label}外出务工地", f"{label}打工地点"),
            width=14,
        ),
        Column(f"{part}.work_unit", f"{label}务工单位", aliases=(f"{label}工作单位",), width=18),
        Column(
            f"{part}.work_unit_address",
            f"{label}务工单位地址",
            aliases=(f"{label}单位地址", f"{label}工作单位地址"),
            width=20,
        ),
        Column(
            f"{part}.work_unit_phone",
            f"{label}务工单位电话",
            PHONE,
            aliases=(f"{label}单位电话", f"{label}工作单位电话"),
            width=14,
        ),
        Column(
            f"{part}.away_since", f"{label}外出时间", DATE, aliases=(f"{label}外出日期",), width=12
        ),
        Column(
            f"{part}.contact_frequency",
            f"{label}与孩子联系",
            CHOICE,
            aliases=(f"{label}联系频率", f"{label}与孩子联系频率"),
            width=10,
        ),
        Column(
            f"{part}.id_number",
            f"{label}身份证号",
            ID,
            aliases=(f"{label}身份证号码", f"{label}公民身份号码", f"{label}身份证"),
            width=21,
        ),
        Column(
            f"{part}.birth_date",
            f"{label}出生日期",
            DATE,
            aliases=(f"{label}出生年月日",),
            width=12,
        ),
        Column(
            f"{part}.cannot_guard",
            f"{label}无监护能力",
            BOOL,
            aliases=(f"{label}是否无监护能力",),
            width=8,
        ),
    ]


# Roster words for a left-behind status that the parents' columns complete (planning): one
# parent away, which one unsaid (the 学籍 system's 1 单亲留守); and "是" (left-behind, how unsaid).
ONE_PARENT_AWAY_UNSAID = "?one"
AWAY_UNSAID = "?away"
_LEFT_BEHIND_ALIASES = {
    # The 学籍 field 是否留守儿童: 0 非留守, 1 单亲留守, 2 双亲留守.
    "0": "none",
    "1": ONE_PARENT_AWAY_UNSAID,
    "2": "both",
    "单亲留守": ONE_PARENT_AWAY_UNSAID,
    "单亲外出": ONE_PARENT_AWAY_UNSAID,
    "单亲": ONE_PARENT_AWAY_UNSAID,
    "父母一方外出": ONE_PARENT_AWAY_UNSAID,
    "双亲留守": "both",
    "双亲": "both",
    "父母均外出": "both",
    "父母外出": "both",
    "父亲外出务工": "father",
    "母亲外出务工": "mother",
    "是": AWAY_UNSAID,
    "留守": AWAY_UNSAID,
    "否": "none",
    "不是": "none",
    "非留守儿童": "none",
}
_BOARDING_WORDS = {"寄宿": True, "住校": True, "走读": False}
# 民族 as rosters write it: "汉族", the GB 3304 code "01" or "1", or "汉" (see _choice_index).
_ETHNICITY_ALIASES = {str(int(code)): code for code, _label in ETHNICITY_CHOICES}
_ASSISTANCE_SEPARATORS = re.compile(r"[、,，;；/\s]+")

COLUMNS: tuple[Column, ...] = (
    Column("pupil.name", "姓名", aliases=("学生姓名", "儿童姓名"), width=10),
    Column("pupil.gender", "性别", CHOICE, width=6, choice_aliases={"男生": "M", "女生": "F"}),
    Column("pupil.birth_date", "出生日期", DATE, aliases=("出生年月日", "生日"), width=12),
    Column(
        "pupil.id_number",
        "身份证号",
        ID,
        aliases=("身份证号码", "公民身份号码", "身份证", "学生身份证号"),
        width=21,
    ),
    Column("pupil.student_number", "学籍号", aliases=("全国学籍号", "学籍编号"), width=22),
    Column("pupil.school_class", "班级", CLASS, aliases=("所在班级", "年级班级"), width=14),
    Column("pupil.village", "村（社区）", aliases=("村", "村组", "所在村", "村社区"), width=10),
    Column("pupil.address", "家庭住址", aliases=("家庭地址", "住址", "家庭详细地址"), width=28),
    Column(
        "pupil.is_boarding",
        "寄宿生",
        BOOL,
        aliases=("是否寄宿", "寄宿", "住校", "寄宿走读"),
        width=8,
        offered=("寄宿", "走读"),
    ),
    Column("pupil.health", "健康状况", aliases=("身体状况",), width=10),
    Column("pupil.character", "性格特点", aliases=("性格",), width=10),
    Column("pupil.interests", "兴趣爱好", aliases=("爱好", "特长"), width=12),
    Column("pupil.academic_level", "学业水平", CHOICE, aliases=("学习成绩", "学业成绩"), width=8),
    Column(
        "pupil.guardianship_type", "监护类型", CHOICE, aliases=("监护方式", "监护情况"), width=10
    ),
    Column(
        "pupil.left_behind",
        "留守情况",
        CHOICE,
        aliases=("是否留守儿童", "留守类型", "是否留守", "留守儿童类型"),
        width=10,
        choice_aliases=_LEFT_BEHIND_ALIASES,
        choice_hint=gettext_lazy(
            "0、1、2（0 非留守，1 单亲留守，2 双亲留守），或非留守、单亲留守、双亲留守、"
            "单亲外出、双亲外出、父亲外出、母亲外出"
        ),
        offered=(
            *("0", "1", "2", "非留守", "单亲留守", "双亲留守"),
            *("单亲外出", "双亲外出", "父亲外出", "母亲外出"),
        ),
    ),
    Column("pupil.is_dropout", "义务教育阶段辍学", BOOL, aliases=("辍学",), width=8),
    Column("pupil.is_hardship", "家庭困难", BOOL, aliases=("困难家庭", "贫困"), width=8),
    Column("pupil.lacks_guardian", "监护人缺失", BOOL, width=8),
    Column("pupil.is_unsupported", "事实上无人抚养", BOOL, aliases=("事实无人抚养",), width=8),
    Column("pupil.is_disabled", "残障", BOOL, aliases=("残疾",), width=6),
    Column("pupil.is_orphan", "孤儿", BOOL, width=6),
    Column("pupil.is_priority", "重点帮扶对象", BOOL, aliases=("重点帮扶",), width=8),
    Column(
        "pupil.ethnicity",
        "民族",
        CHOICE,
        width=8,
        choice_aliases=_ETHNICITY_ALIASES,
        choice_hint=gettext_lazy("56个民族之一，如“汉族”“苗族”“土家族”"),
    ),
    Column("pupil.hukou_place", "户籍所在地", aliases=("户口所在地", "户籍地"), width=24),
    Column(
        "pupil.hukou_type",
        "户籍类型",
        CHOICE,
        aliases=("户口性质", "户口类型", "户籍性质"),
        width=10,
        choice_aliases={
            "农业": "rural",
            "农村": "rural",
            "非农业": "non_rural",
            "城镇": "non_rural",
            "居民": "resident",
        },
    ),
    Column(
        "pupil.hukou_registered",
        "是否登记户口",
        CHOICE,
        aliases=("是否有户口", "户口登记"),
        width=8,
        choice_aliases={"是": "yes", "有": "yes", "否": "no", "无": "no", "无户口": "no"},
        choice_hint=gettext_lazy("是、否（或已登记、未登记）"),
        offered=("是", "否"),
    ),
    Column(
        "pupil.disability",
        "残疾类别",
        CHOICE,
        aliases=("残疾类型",),
        width=10,
        choice_aliases={
            "视力": "vision",
            "听力": "hearing",
            "言语": "speech",
            "肢体": "physical",
            "智力": "intellectual",
            "精神": "mental",
            "多重": "multiple",
            "无": "",
        },
    ),
    Column(
        "pupil.disability_grade",
        "残疾等级",
        CHOICE,
        width=8,
        choice_aliases={"1级": "1", "2级": "2", "3级": "3", "4级": "4", "无": ""},
    ),
    Column("pupil.illness", "患病情况", aliases=("疾病情况", "患病"), width=14),
    Column(
        "pupil.schooling",
        "就学情况",
        CHOICE,
        aliases=("就学状态",),
        width=8,
        choice_aliases={"在读": "in_school", "在学": "in_school", "失学": "dropped_out"},
    ),
    Column(
        "pupil.family_income",
        "家庭经济来源",
        CHOICE,
        aliases=("家庭主要经济来源", "经济来源"),
        width=12,
        choice_aliases={
            "务工": "wages",
            "打工": "wages",
            "务农": "farming",
            "种地": "farming",
            "经营": "business",
            "低保": "welfare",
            "救助": "welfare",
        },
    ),
    Column(
        "pupil.assistance",
        "救助帮扶",
        MULTI,
        aliases=("享受救助", "救助帮扶情况", "享受救助情况"),
        width=20,
        choice_hint=gettext_lazy("低保、临时救助、医疗救助、住房救助中的一项或几项，用顿号隔开"),
    ),
    Column(
        "pupil.guardianship_assessment",
        "监护情况评估",
        CHOICE,
        aliases=("监护评估", "监护状况评估"),
        width=8,
        choice_aliases={"好": "good", "良好": "good", "较差": "poor"},
    ),
    Column(
        "pupil.committee_contact",
        "村委会联系人",
        aliases=("村（居）委会联系人", "村居委会联系人", "村干部"),
        width=10,
    ),
    Column(
        "pupil.committee_phone",
        "村委会电话",
        PHONE,
        aliases=("村（居）委会联系电话", "村居委会联系电话", "村委会联系电话"),
        width=14,
    ),
    *_parent_columns("father", "父亲"),
    *_parent_columns("mother", "母亲"),
    Column("guardian.name", "监护人姓名", aliases=("监护人",), width=10),
    Column(
        "guardian.relation",
        "监护人与学生关系",
        aliases=("与学生关系", "监护人关系", "与儿童关系"),
        width=10,
    ),
    Column("guardian.occupation", "监护人职业", width=10),
    Column("guardian.address", "监护人住址", aliases=("监护人地址", "监护人详细地址"), width=24),
    Column(
        "guardian.phone",
        "监护人电话",
        PHONE,
        aliases=("监护人联系电话", "监护人手机", "监护人手机号"),
        width=14,
    ),
    Column("guardian.health", "监护人身体状况", aliases=("监护人健康状况",), width=10),
    Column("guardian.birth_year", "监护人出生年份", YEAR, width=10),
    Column("guardian.education", "监护人文化程度", CHOICE, width=10),
    Column(
        "guardian.id_number",
        "监护人身份证号",
        ID,
        aliases=("监护人身份证号码", "委托监护人身份证号", "监护人公民身份号码"),
        width=21,
    ),
    Column(
        "guardian.birth_date",
        "监护人出生日期",
        DATE,
        aliases=("委托监护人出生日期", "监护人出生年月日"),
        width=12,
    ),
    Column(
        "guardian.letter_signed_on",
        "责任书签订日期",
        DATE,
        aliases=("监护责任书签订日期", "责任书日期"),
        width=12,
    ),
)
COLUMNS_BY_KEY = {column.key: column for column in COLUMNS}


def field_label(key: str) -> str:
    """'guardian.phone' as the change history labels it: 监护人·电话."""
    part, _dot, field_name = key.partition(".")
    prefix = {"father": _("父亲·"), "mother": _("母亲·"), "guardian": _("监护人·")}.get(part, "")
    return f"{prefix}{PART_MODELS[part]._meta.get_field(field_name).verbose_name}"


# --- headers ---------------------------------------------------------------------------------

_FULLWIDTH = {chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}
_FULLWIDTH["\u3000"] = " "
_HALFWIDTH = str.maketrans(_FULLWIDTH)


def halfwidth(value: str) -> str:
    """Full-width digits, letters and brackets to their ASCII forms; ideographic space to space."""
    return value.translate(_HALFWIDTH)


def header_key(text: Any) -> str:
    """What a header is compared by: no spaces, half-width brackets, no '*' or trailing colon."""
    text = halfwidth(str(text or ""))
    text = re.sub(r"[\s*:]", "", text)
    return text.replace("(", "").replace(")", "")


_HEADER_INDEX = {
    header_key(name): column for column in COLUMNS for name in (column.header, *column.aliases)
}
# Age is what some schools record; it is read as a birth year (this year minus the age).
AGE_HEADERS = {header_key("监护人年龄"), header_key("年龄（监护人）")}
GRADE_HEADERS = {header_key("年级")}


def column_for_header(text: Any) -> Column | None:
    return _HEADER_INDEX.get(header_key(text))


# --- reading cells ---------------------------------------------------------------------------

_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_TRUE = {"是", "√", "✓", "y", "yes", "true", "1", "有"}
_FALSE = {"否", "×", "x", "n", "no", "false", "0", "无", ""}
_SPACES_RE = re.compile(r"\s+")
_CHINESE_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def clean_text(value: Any) -> str:
    """A cell as tidy text: half-width, stray spaces removed, integral floats without '.0'."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _SPACES_RE.sub(" ", halfwidth(str(value))).strip()


@dataclass(frozen=True)
class Masked:
    """A masked number as an export writes it ("4301**********0017", "138****1234").

    It stands for the number the archive holds, so it can find the pupil and leave the number
    as it is, but it never becomes the stored value.
    """

    text: str


_MASKED_RE = re.compile(r"[0-9A-Za-z-]*\*{3,}[0-9A-Za-z]*")


def masked_value(column: Column, instance: models.Model | None) -> str:
    """The stored number of the column as a masked export writes it ("" if none)."""
    value = getattr(instance, column.model_field.attname) if instance is not None else ""
    if not value:
        return ""
    return mask_phone(value) if column.kind == PHONE else mask_id_number(value)


def parse_cell(column: Column, value: Any, *, classes: dict[str, SchoolClass]) -> Any:
    """The cell as the value the archive stores; ValidationError with a Chinese message if not.

    A masked ID number, 学籍号 or phone is returned as Masked.
    """
    if column.sensitive and isinstance(value, str):
        text = clean_text(value)
        if _MASKED_RE.fullmatch(text):
            return Masked(text)
    parser = _PARSERS[column.kind]
    return parser(column, value, classes) if column.kind == CLASS else parser(column, value)


def _parse_text(column: Column, value: Any) -> str:
    if column.key == "pupil.student_number" and _stored_as_long_number(value):
        raise ValidationError(
            _(
                "学籍号被Excel存成了数字（%(value)s），末几位可能已经丢失。"
                "请把该列设为“文本”格式后重新填写。"
            )
            % {"value": _as_excel_shows(value)}
        )
    text = clean_text(value)
    max_length = column.model_field.max_length
    if max_length and len(text) > max_length:
        raise ValidationError(
            _("不能超过%(n)d个字（现为%(len)d个）。") % {"n": max_length, "len": len(text)}
        )
    return text


def _as_excel_shows(value: Any) -> str:
    """A number as Excel holds it, 15 significant digits: 430523201801090000, not ...089984."""
    if isinstance(value, float) and value.is_integer():
        return format(decimal.Decimal(f"{value:.15g}"), "f")
    return clean_text(value)


def _stored_as_long_number(value: Any) -> bool:
    """A number Excel cannot hold exactly: more than 15 digits, or shown as 4.30103E+17."""
    if isinstance(value, float):
        return not value.is_integer() or abs(value) >= 10**15
    if isinstance(value, int):
        return abs(value) >= 10**15
    return bool(re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", clean_text(value)))


LOST_DIGITS_RE = re.compile(r"\d{15}000")


def _parse_id(column: Column, value: Any) -> str:
    if isinstance(value, (int, float)) or re.fullmatch(r"\d(\.\d+)?[eE]\+?\d+", clean_text(value)):
        raise ValidationError(
            _(
                "身份证号被Excel存成了数字（%(value)s），末几位已经丢失。"
                "请把该列设为“文本”格式后重新填写。"
            )
            % {"value": _as_excel_shows(value)}
        )
    number = normalize_id_number(clean_text(value))
    if not number:
        return number
    try:
        (validate_id_number if column.part == "pupil" else validate_adult_id_number)(number)
    except ValidationError:
        # Excel keeps 15 significant digits: 18 digits stored as a number come back ending in
        # 000 (one such number in eleven still has a valid check digit; see planning).
        if LOST_DIGITS_RE.fullmatch(number):
            raise ValidationError(
                _(
                    "身份证号末三位为“000”，像是被Excel存成数字后丢失了末几位。"
                    "请把该列设为“文本”格式后重新填写。"
                ),
                code="id_lost_digits",
            ) from None
        raise
    return number


def _parse_phone(column: Column, value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        raise ValidationError(_("电话号码不应含小数点。"))
    phone = normalize_phone(clean_text(value))
    if phone:
        validate_phone(phone)
    return phone


def _parse_date(column: Column, value: Any) -> datetime.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, (int, float)) and 1 < value < 80000:  # an Excel serial day number
        return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
    text = clean_text(value)
    if re.fullmatch(r"\d{8}", text):
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    match = _DATE_RE.match(text)
    if match:
        try:
            return datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            pass
    raise ValidationError(
        _("日期“%(value)s”无法识别，请写成 2017-03-12 的形式。") % {"value": text}
    )


def _parse_bool(column: Column, value: Any) -> bool:
    text = clean_text(value).lower()
    if column.key == "pupil.is_boarding" and text in _BOARDING_WORDS:
        return _BOARDING_WORDS[text]
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValidationError(_("请填“是”或“否”（现为“%(value)s”）。") % {"value": text})


def _parse_choice(column: Column, value: Any) -> str:
    text = clean_text(value)
    if not text:
        return "" if column.model_field.blank else column.model_field.get_default()
    choices = _choice_index(column)
    if text in choices:
        return choices[text]
    return _raise_choice(text, column)


_CHOICE_INDEXES: dict[tuple[str, str | None], dict[str, str]] = {}


def _choice_index(column: Column) -> dict[str, str]:
    """What a cell may say for each stored value: labels, stored values, aliases (cached).

    A Chinese roster reads the same whatever language the person importing it has chosen.
    """
    key = (column.key, translation.get_language())
    if key not in _CHOICE_INDEXES:
        choices = column.model_field.choices
        index = {str(label): stored for stored, label in choices}
        with translation.override(settings.LANGUAGE_CODE):
            index |= {str(label): stored for stored, label in choices}
        index |= {stored: stored for stored, _label in choices}
        if column.key == "pupil.ethnicity":  # 汉 for 汉族, 土家 for 土家族
            index |= {label[:-1]: stored for label, stored in list(index.items())
                      if label.endswith("族") and len(label) >= 2}  # fmt: skip
        _CHOICE_INDEXES[key] = index | column.choice_aliases
    return _CHOICE_INDEXES[key]


def _raise_choice(text: str, column: Column) -> str:
    labels = str(column.choice_hint) or "、".join(
        str(label) for _stored, label in column.model_field.choices
    )
    raise ValidationError(
        _("“%(value)s”不是可选的值，应为：%(labels)s。") % {"value": text, "labels": labels}
    )


def _parse_multi(column: Column, value: Any) -> list[str]:
    """低保、医疗救助 -> ["dibao", "medical"], in the choices' order; 无 or empty -> []."""
    text = clean_text(value)
    if text in ("", "无", "否"):
        return []
    field = column.model_field
    index = {str(label): stored for stored, label in field.item_choices}
    with translation.override(settings.LANGUAGE_CODE):
        index |= {str(label): stored for stored, label in field.item_choices}
    index |= {stored: stored for stored, _label in field.item_choices}
    chosen = set()
    for word in filter(None, _ASSISTANCE_SEPARATORS.split(text)):
        if word not in index:
            _raise_choice(word, column)
        chosen.add(index[word])
    return [stored for stored, _label in field.item_choices if stored in chosen]


def _parse_year(column: Column, value: Any) -> int | None:
    text = clean_text(value)
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(_("应为四位数的年份（现为“%(value)s”）。") % {"value": text})
    return int(text)


def class_key(text: str) -> tuple[int, int] | None:
    """(grade, number) from 三年级(2)班, 三年级2班, 3(2)班, 三(2)班, 3年级2班, 3-2, 302班..."""
    text = halfwidth(text).replace(" ", "").replace("（", "(").replace("）", ")")
    match = re.fullmatch(r"([1-9一二三四五六七八九])(?:年级)?[(\-.]?(\d{1,2})\)?班?", text)
    if not match:
        match = re.fullmatch(r"([1-9])0?(\d{1,2})班", text)
    if not match:
        return None
    grade_text, number = match.groups()
    grade = int(grade_text) if grade_text.isdigit() else _CHINESE_DIGITS[grade_text]
    return grade, int(number)


def class_lookup(classes) -> dict[tuple[int, int], SchoolClass]:
    return {(school_class.grade, school_class.number): school_class for school_class in classes}


def _parse_class(column: Column, value: Any, classes) -> SchoolClass | None:
    """The school's class; one it does not have yet comes back unsaved (and is added to
    `classes`, so that every row naming it shares it): the import creates it on confirm."""
    text = clean_text(value)
    if not text:
        return None
    key = class_key(text)
    if key is None or key[1] == 0:
        raise ValidationError(
            _("班级“%(value)s”无法识别，请写成“三年级(2)班”或“3(2)班”。") % {"value": text}
        )
    if key not in classes:
        classes[key] = SchoolClass(grade=key[0], number=key[1], is_active=False)
    return classes[key]


_PARSERS = {
    TEXT: _parse_text,
    ID: _parse_id,
    PHONE: _parse_phone,
    DATE: _parse_date,
    BOOL: _parse_bool,
    CHOICE: _parse_choice,
    CLASS: _parse_class,
    YEAR: _parse_year,
    MULTI: _parse_multi,
}

# --- writing cells ---------------------------------------------------------------------------


def export_value(column: Column, instance: models.Model | None, *, masked: bool) -> Any:
    """The cell to write: text, a date, or an int; masked IDs and phones when asked."""
    if instance is None:
        return None
    value = getattr(instance, column.model_field.attname)
    if value is None or value == "" or value == []:
        return None
    if column.kind == CLASS:
        return str(instance.school_class)
    convert = export_converter(column, masked=masked, class_names={})
    return value if convert is None else convert(value)


def export_converter(
    column: Column, *, masked: bool, class_names: Mapping[int, str]
) -> Callable[[Any], Any] | None:
    """What the column's cell makes of a stored value that is not blank (None: the value
    itself); a class is named by class_names. Worked out once per column for a whole export
    (export_converters): looking the kind up and translating for every cell was a fifth of
    an export of 20,000 archives of 68 cells."""
    if column.kind == MULTI:
        return partial(_export_labels, column.model_field)
    if column.kind == CLASS:
        return class_names.__getitem__
    if column.kind == BOOL:
        return {True: _("是"), False: _("否")}.__getitem__
    if column.kind == CHOICE:
        labels = {value: str(label) for value, label in column.choice_labels.items()}
        return partial(_export_choice, labels)
    if masked and column.sensitive:
        return mask_phone if column.kind == PHONE else mask_id_number
    return None


def export_converters(
    *, masked: bool, class_names: Mapping[int, str]
) -> list[Callable[[Any], Any] | None]:
    """export_converter for each of COLUMNS."""
    return [export_converter(column, masked=masked, class_names=class_names) for column in COLUMNS]


def _export_labels(model_field: models.Field, value: list) -> str | None:
    return "、".join(model_field.labels(value)) if value != [] else None


def _export_choice(labels: dict[Any, str], value: Any) -> str:
    label = labels.get(value)
    return str(value) if label is None else label


def is_text_column(column: Column) -> bool:
    """Columns written as text cells, so Excel keeps leading zeros and all 18 digits."""
    return column.kind not in (DATE, YEAR)
