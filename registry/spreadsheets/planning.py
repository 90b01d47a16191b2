"""The roster import's dry run: what each row of a spreadsheet would do to the archives.

plan_import reads, matches and validates without writing anything; the preview page and the
import_roster command show its plan, and importing writes it. Rows are
matched to pupils of the school by ID number, then by 学籍号, so that importing a file twice
changes nothing the second time and never creates a second archive for a child.
"""

import hashlib
import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from caresys.lib.identity import id_birth_date, id_gender
from registry.models import LeftBehind, Pupil, SchoolClass, User
from registry.services import ArchivePart, archive_draft
from registry.spreadsheets.columns import (
    AGE_HEADERS,
    AWAY_UNSAID,
    CLASS,
    COLUMNS_BY_KEY,
    GRADE_HEADERS,
    LOST_DIGITS_RE,
    ONE_PARENT_AWAY_UNSAID,
    Column,
    Masked,
    class_lookup,
    clean_text,
    column_for_header,
    field_label,
    header_key,
    masked_value,
    parse_cell,
)
from registry.spreadsheets.reading import Table

NEW, UPDATED, UNCHANGED, ERROR = "new", "updated", "unchanged", "error"
STATUS_LABELS = {
    NEW: gettext_lazy("新增"),
    UPDATED: gettext_lazy("更新"),
    UNCHANGED: gettext_lazy("未变"),
    ERROR: gettext_lazy("错误"),
}
# A blank cell in these columns leaves the archive as it is: they identify or place the pupil,
# and a roster with gaps must not unplace a child or erase the number that finds them.
KEPT_WHEN_BLANK = frozenset({"pupil.id_number", "pupil.student_number", "pupil.school_class"})
# A blank 性别 is read from the ID number for a new pupil, and kept for a known one.
_SKIPPED_WHEN_BLANK = KEPT_WHEN_BLANK | {"pupil.gender"}
# Existing pupils are looked up this many identifiers per query (the databases' limits on
# query parameters are 32,766 for SQLite and 65,535 for PostgreSQL).
LOOKUP_BATCH = 5000
_IDENTIFYING = frozenset({"pupil.id_number", "pupil.student_number"})
# Where a row's one-parent-away status came from (a roster saying only 单亲留守, or 是).
FROM_PARENTS, TO_CONFIRM, KEPT = "parents", "to_confirm", "kept"
# A parent's 务工地 saying they are not away.
AT_HOME = frozenset(
    {"在家", "在家务农", "务农", "家中", "本地", "本地务工", "本乡", "本镇", "本村", "未外出"}
    | {"没有外出", "不外出", "无", "空", "/", "-", "—"}
)
_CLASS_NUMBER_ONLY = re.compile(r"[(（]?(\d{1,2})[)）]?班?")


@dataclass
class RowPlan:
    number: int  # as the spreadsheet shows it: the header is row 1
    status: str
    name: str
    pupil: Pupil | None = None
    # The services' data dict: only the columns the file has.
    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (label, old, new)
    errors: list[str] = field(default_factory=list)
    # For a roster saying only 单亲留守 (or 是): FROM_PARENTS, TO_CONFIRM or KEPT.
    left_behind_from: str = ""
    # Each change's history key ('guardian.phone'), beside `changes`: with them the
    # confirmation writes a new pupil's history as planned rather than drafting it again.
    change_keys: list[str] = field(default_factory=list)

    def revision_changes(self) -> list[dict[str, str]]:
        """The changes as ArchiveRevision.changes records them (archive_draft's)."""
        return [
            {"key": key, "field": label, "old": old, "new": new}
            for key, (label, old, new) in zip(self.change_keys, self.changes, strict=True)
        ]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class ImportPlan:
    rows: list[RowPlan]
    headers: list[str]  # the recognised columns, as the file writes them
    ignored_headers: list[str]
    header_row: int = 1
    # Classes the rows name that the school does not have: unsaved, created on confirm.
    new_classes: list[SchoolClass] = field(default_factory=list)

    @cached_property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUS_LABELS, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    @cached_property
    def one_parent_counts(self) -> dict[str, int]:
        """Rows saying only 单亲留守: which parent is away taken from the parents' columns, to
        confirm by the class teacher, or kept as the archive already says."""
        counts = dict.fromkeys((FROM_PARENTS, TO_CONFIRM, KEPT), 0)
        for row in self.rows:
            if row.left_behind_from:
                counts[row.left_behind_from] += 1
        return counts

    @property
    def new_class_names(self) -> list[str]:
        return [str(school_class) for school_class in self.new_classes]

    @property
    def has_errors(self) -> bool:
        return self.counts[ERROR] > 0

    @property
    def to_write(self) -> int:
        """The rows confirming writes: the new and the updated."""
        return self.counts[NEW] + self.counts[UPDATED]

    def summary(self) -> dict[str, Any]:
        """What the import did, as its upload records it; the classes it created and the
        children whose parent away is to confirm only when there are any."""
        summary: dict[str, Any] = {
            "created": self.counts[NEW],
            "updated": self.counts[UPDATED],
            "unchanged": self.counts[UNCHANGED],
        }
        if self.new_classes:
            summary["classes"] = self.new_class_names
        if self.one_parent_counts[TO_CONFIRM]:
            summary["to_confirm"] = self.one_parent_counts[TO_CONFIRM]
        return summary

    def fingerprint(self) -> str:
        """Changes when what confirming would write changes (someone edited an archive since)."""
        rows = [
            (row.number, row.status, row.pupil.pk if row.pupil else None, row.changes, row.errors)
            for row in self.rows
        ]
        text = json.dumps(rows, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


# --- columns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layout:
    columns: list[tuple[int, Column, str]]  # (position, column, header as written)
    grade: tuple[int, str] | None  # position and header of a 年级 column, read with 班级
    age: tuple[int, str] | None  # position and header of 监护人年龄
    ignored: list[str]

    @property
    def recognised(self) -> list[str]:
        """The headers read, in the file's order."""
        positions = [(index, header) for index, _column, header in self.columns]
        if self.grade is not None:
            positions.append(self.grade)
        if self.age is not None:
            positions.append(self.age)
        return [header for _index, header in sorted(positions)]

    @cached_property
    def header_of(self) -> dict[str, str]:
        """The file's header for each archive field it fills (age fills the birth year)."""
        headers = {column.key: header for _index, column, header in self.columns}
        if self.age is not None:
            headers["guardian.birth_year"] = self.age[1]
        return headers


def column_layout(headers: list[str]) -> Layout:
    """Which column of the file is which; ValidationError unless a pupil can be identified."""
    columns: list[tuple[int, Column, str]] = []
    seen: set[str] = set()
    grade = age = None
    ignored: list[str] = []
    for index, header in enumerate(headers):
        key = header_key(header)
        if not key:
            continue
        column = column_for_header(header)
        if column is not None and column.key not in seen:
            seen.add(column.key)
            columns.append((index, column, header))
        elif column is None and key in GRADE_HEADERS and grade is None:
            grade = (index, header)
        elif column is None and key in AGE_HEADERS and age is None:
            age = (index, header)
        else:
            ignored.append(header if column is None else _("%(h)s（重复的列）") % {"h": header})
    if "guardian.birth_year" in seen and age is not None:
        ignored.append(_("%(h)s（已有出生年份列）") % {"h": age[1]})
        age = None
    if "pupil.school_class" not in seen and grade is not None:
        ignored.append(grade[1])
        grade = None
    if "pupil.name" not in seen:
        raise ValidationError(
            _(
                "文件中没有“姓名”列。请确认表头（第一行）写有“姓名”或“学生姓名”，"
                "以及身份证号、性别、班级等列。"
            )
        )
    if not {"pupil.id_number", "pupil.student_number"} & seen:
        raise ValidationError(
            _("文件中既没有“身份证号”列，也没有“学籍号”列，无法识别学生。请至少包含其中一列。")
        )
    return Layout(columns=columns, grade=grade, age=age, ignored=ignored)


# --- reading rows ----------------------------------------------------------------------------


@dataclass
class _Row:
    number: int
    data: dict[str, dict[str, Any]]
    errors: list[str]
    birth_date_blank: bool = False
    lost_digits: bool = False  # an ID number Excel cut to 15 significant digits
    # The columns (keys) already reported in error: the model's checks are not run on them.
    failed: set[str] = field(default_factory=set)
    # Numbers as a masked export writes them, by column key: they stand for the stored ones.
    masked: dict[str, str] = field(default_factory=dict)

    @property
    def identified_by_mask_only(self) -> bool:
        pupil_data = self.data["pupil"]
        return (
            not pupil_data.get("id_number")
            and not pupil_data.get("student_number")
            and bool(_IDENTIFYING & self.masked.keys())
        )


def _cell(cells: list[Any], index: int) -> Any:
    return cells[index] if index < len(cells) else None


def _error(header: str, message: str) -> str:
    return _("%(header)s：%(message)s") % {"header": header, "message": message}


def _class_value(cells: list[Any], index: int, layout: Layout) -> Any:
    """班级, or 年级 and 班级 read together when 班级 holds only the number ("2班", "2")."""
    value = _cell(cells, index)
    if layout.grade is None:
        return value
    grade = clean_text(_cell(cells, layout.grade[0])).removesuffix("年级")
    match = _CLASS_NUMBER_ONLY.fullmatch(clean_text(value))
    if grade and match:
        return f"{grade}年级({match.group(1)})班"
    return value


def _guardian_birth_year(value: Any, header: str, row: "_Row") -> int | None:
    text = clean_text(value).removesuffix("岁").strip()
    if not text:
        return None
    if not text.isdigit():
        row.errors.append(_error(header, _("年龄应为数字（现为“%(value)s”）。") % {"value": text}))
        row.failed.add("guardian.birth_year")
        return None
    return timezone.localdate().year - int(text)


def _read_row(number: int, cells: list[Any], layout: Layout, classes: dict) -> _Row:
    row = _Row(number=number, data={"pupil": {}}, errors=[])
    for index, column, header in layout.columns:
        value = _cell(cells, index)
        if column.kind == CLASS:
            value = _class_value(cells, index, layout)
        try:
            parsed = parse_cell(column, value, classes=classes)
        except ValidationError as exc:
            row.errors += [_error(header, message) for message in exc.messages]
            row.failed.add(column.key)
            row.lost_digits |= any(e.code == "id_lost_digits" for e in exc.error_list)
            continue
        if isinstance(parsed, Masked):
            row.masked[column.key] = parsed.text
            continue
        if parsed in ("", None) and column.key in _SKIPPED_WHEN_BLANK:
            continue
        if column.key == "pupil.birth_date" and parsed is None:
            row.birth_date_blank = True
        if column.key == "pupil.name" and not parsed:
            row.errors.append(_error(header, _("姓名不能为空。")))
            row.failed.add(column.key)
            continue
        row.data.setdefault(column.part, {})[column.field_name] = parsed
    if layout.age is not None:
        index, header = layout.age
        year = _guardian_birth_year(_cell(cells, index), header, row)
        row.data.setdefault("guardian", {})["birth_year"] = year
    return row


def _refuse_cut_id_numbers(rows: list[_Row], layout: Layout) -> None:
    """Once a file shows ID numbers Excel cut to 15 digits (ending in 000), every number there
    ending in 000 is suspect, even the one in eleven whose check digit happens to be right."""
    header = layout.header_of["pupil.id_number"]
    for row in rows:
        if LOST_DIGITS_RE.fullmatch(row.data["pupil"].get("id_number", "")):
            row.failed.add("pupil.id_number")
            row.errors.append(
                _error(
                    header,
                    _(
                        "本文件中有身份证号被Excel存成数字后丢失了末几位（末三位变成“000”），"
                        "这个号码末三位也是“000”，可能同样有误。请把该列设为“文本”格式后重新填写。"
                    ),
                )
            )


# --- matching --------------------------------------------------------------------------------


def _existing_pupils(school_id: int, rows: list[_Row]) -> dict[tuple[str, str], Any]:
    """The school's pupils whose ID number or 学籍号 the file names, with their whole archive;
    and, by name, those a row names with masked numbers only (an export read back)."""
    ids = sorted({row.data["pupil"].get("id_number") for row in rows} - {None})
    numbers = sorted({row.data["pupil"].get("student_number") for row in rows} - {None})
    names = sorted(
        {row.data["pupil"].get("name") for row in rows if row.identified_by_mask_only} - {None}
    )
    found: dict[tuple[str, str], Any] = {}
    for start in range(0, max(len(ids), len(numbers), len(names)), LOOKUP_BATCH):
        batch = (
            Q(id_number__in=ids[start : start + LOOKUP_BATCH])
            | Q(student_number__in=numbers[start : start + LOOKUP_BATCH])
            | Q(name__in=names[start : start + LOOKUP_BATCH])
        )
        pupils = (
            Pupil.objects.filter(batch, school_id=school_id)
            .select_related("school_class", "guardian")
            .prefetch_related("parents")
            .order_by("pk")
        )
        for pupil in pupils:
            if pupil.id_number:
                found[("id", pupil.id_number)] = pupil
            if pupil.student_number:
                found[("sn", pupil.student_number)] = pupil
            found.setdefault(("name", pupil.name), []).append(pupil)
    return found


def _archive_instances(pupil: Pupil) -> dict[str, Any]:
    parents = {parent.relation: parent for parent in pupil.parents.all()}
    return {
        "pupil": pupil,
        "father": parents.get("father"),
        "mother": parents.get("mother"),
        "guardian": getattr(pupil, "guardian", None),
    }


class _Matcher:
    """Finds each row's pupil and refuses a second row for the same number or the same child."""

    def __init__(self, existing: dict[tuple[str, str], Any], layout: Layout) -> None:
        self.existing = existing
        self.layout = layout
        self.first_row: dict[tuple[str, Any], int] = {}

    def match(self, row: _Row) -> Pupil | None:
        pupil_data = row.data["pupil"]
        keys = [
            ("id", "pupil.id_number", _("该身份证号与第%(n)d行重复。")),
            ("sn", "pupil.student_number", _("该学籍号与第%(n)d行重复。")),
        ]
        for kind, key, message in keys:
            value = pupil_data.get(key.partition(".")[2])
            if not value:
                continue
            first = self.first_row.setdefault((kind, value), row.number)
            if first != row.number:
                row.errors.append(_error(self.layout.header_of[key], message % {"n": first}))
        by_id = self.existing.get(("id", pupil_data.get("id_number")))
        by_number = self.existing.get(("sn", pupil_data.get("student_number")))
        if by_id and by_number and by_id.pk != by_number.pk:
            row.errors.append(
                _("身份证号是%(a)s的，学籍号却是%(b)s的：请核对这两个号码。")
                % {"a": by_id.name, "b": by_number.name}
            )
            return None
        pupil = by_id or by_number
        if pupil is None and row.identified_by_mask_only:
            pupil = self._match_masked(row)
        if row.masked:
            self._check_masked(row, pupil)
        if pupil is not None:
            first = self.first_row.setdefault(("pupil", pupil.pk), row.number)
            if first != row.number:
                row.errors.append(
                    _("与第%(n)d行是同一名学生（%(name)s）。") % {"n": first, "name": pupil.name}
                )
        elif not pupil_data.get("id_number") and not pupil_data.get("student_number"):
            # Unless a number was there but unreadable or masked (already said).
            if not _IDENTIFYING & (row.failed | row.masked.keys()):
                row.errors.append(_("身份证号和学籍号至少要填一项，才能识别学生。"))
        return pupil

    def _match_masked(self, row: _Row) -> Pupil | None:
        """The one pupil of that name whose masked numbers are the row's, if there is one."""
        keys = sorted(_IDENTIFYING & row.masked.keys())
        candidates = [
            pupil
            for pupil in self.existing.get(("name", row.data["pupil"].get("name")), [])
            if all(masked_value(COLUMNS_BY_KEY[key], pupil) == row.masked[key] for key in keys)
        ]
        candidates = _namesakes_told_apart(candidates, row.data["pupil"])
        if len(candidates) == 1:
            return candidates[0]
        header = self.layout.header_of[keys[0]]
        if candidates:
            message = _(
                "号码已被遮蔽，本校有%(n)d名同名学生与之相符，无法确定是哪一名；请填写完整号码。"
            )
            row.errors.append(_error(header, message % {"n": len(candidates)}))
        return None

    def _check_masked(self, row: _Row, pupil: Pupil | None) -> None:
        """A masked number may only stand for the number the archive holds."""
        instances = _archive_instances(pupil) if pupil is not None else {}
        for key, text in row.masked.items():
            column = COLUMNS_BY_KEY[key]
            if masked_value(column, instances.get(column.part)) != text:
                row.errors.append(
                    _error(
                        self.layout.header_of[key],
                        _("“%(value)s”是遮蔽后的号码，与档案中的号码不符；请填写完整号码。")
                        % {"value": text},
                    )
                )


# --- the plan --------------------------------------------------------------------------------


def _derive_from_id(row: _Row, pupil: Pupil | None) -> None:
    """Gender, and a birth date left blank, from a valid ID number (as the archive form does)."""
    for part in ("father", "mother", "guardian"):
        _adult_birth_from_id(part, row.data.get(part))
    pupil_data = row.data["pupil"]
    number = pupil_data.get("id_number")
    if not number:
        return
    if "gender" not in pupil_data and pupil is None:
        pupil_data["gender"] = id_gender(number)
    if pupil_data.get("birth_date") is None and (pupil is None or row.birth_date_blank):
        pupil_data["birth_date"] = id_birth_date(number)


def _adult_birth_from_id(part: str, data: dict | None) -> None:
    """A parent's or guardian's birth date from their ID number when the roster gives none; a
    guardian's birth year follows the birth date (as the archive form does)."""
    if not data:
        return
    number = data.get("id_number")
    if number and data.get("birth_date") is None:
        data["birth_date"] = id_birth_date(number)
    if part == "guardian" and data.get("birth_date"):
        data["birth_year"] = data["birth_date"].year


def _required_for_new(row: _Row, layout: Layout) -> None:
    """The gender and class a new pupil needs, unless their cells were reported already."""
    pupil_data = row.data["pupil"]
    if not pupil_data.get("gender") and "pupil.gender" not in row.failed:
        header = layout.header_of.get("pupil.gender", _("性别"))
        row.errors.append(_error(header, _("新学生需填写性别（或填写身份证号，由号码得出性别）。")))
        row.failed.add("pupil.gender")
    if not pupil_data.get("school_class") and "pupil.school_class" not in row.failed:
        header = layout.header_of.get("pupil.school_class", _("班级"))
        row.errors.append(_error(header, _("新学生需填写班级。")))
        row.failed.add("pupil.school_class")


def _parent_whereabouts(row: _Row, part: str) -> str | None:
    """The parent is "away" or "home" as their 务工地 cell says; None if it says nothing."""
    place = row.data.get(part, {}).get("work_place") or ""
    if not place:
        return None
    return "home" if place in AT_HOME else "away"


def _left_behind_from_parents(row: _Row, pupil: Pupil | None, layout: Layout) -> str:
    """Complete a status the roster leaves open (单亲留守, or 是) from the parents' 务工地.

    One parent is away when their 务工地 names a place and the other's does not, or the other's
    says they are at home (在家, 本地). Otherwise a one-parent-away child is recorded as such with
    the parent to confirm (or keeps the parent the archive names), never guessed; "是" with
    nothing to tell one parent from both is an error of the row. Returns where the status came
    from (FROM_PARENTS, TO_CONFIRM, KEPT), or "" for a status the roster spells out.
    """
    pupil_data = row.data["pupil"]
    said = pupil_data.get("left_behind")
    if said not in (ONE_PARENT_AWAY_UNSAID, AWAY_UNSAID):
        return ""
    father, mother = _parent_whereabouts(row, "father"), _parent_whereabouts(row, "mother")
    father_away = father == "away" or (mother == "home" and father != "home")
    mother_away = mother == "away" or (father == "home" and mother != "home")
    if said == AWAY_UNSAID and father == mother == "away":
        pupil_data["left_behind"] = LeftBehind.BOTH
        return FROM_PARENTS
    one_is_home = "home" in (father, mother)
    if father_away != mother_away and (said == ONE_PARENT_AWAY_UNSAID or one_is_home):
        pupil_data["left_behind"] = LeftBehind.FATHER if father_away else LeftBehind.MOTHER
        return FROM_PARENTS
    known = pupil.left_behind if pupil is not None else LeftBehind.NONE
    wanted = LeftBehind.one_parent_statuses()
    if said == AWAY_UNSAID:
        wanted = LeftBehind.away_statuses()
    if known in wanted:
        pupil_data["left_behind"] = known
        return TO_CONFIRM if known == LeftBehind.ONE else KEPT
    if said == ONE_PARENT_AWAY_UNSAID:
        pupil_data["left_behind"] = LeftBehind.ONE
        return TO_CONFIRM
    del pupil_data["left_behind"]
    row.failed.add("pupil.left_behind")
    row.errors.append(
        _error(
            layout.header_of["pupil.left_behind"],
            _(
                "“是”没有说明是单亲留守还是双亲留守，父母务工地也没有写明：请填 1（单亲留守）"
                "或 2（双亲留守），或写明父亲、母亲的务工地。"
            ),
        )
    )
    return ""


def _validation_errors(
    parts: Iterable[ArchivePart], layout: Layout, reported: set[str] = frozenset()
) -> list[str]:
    """The model's own checks on the drafted archive, without the queries full_clean makes.

    Duplicates are ruled out by the matching; the class comes from the school's own classes.
    Fields in `reported` (keys whose cells are in error already) are not checked again.
    """
    errors: dict[str, list[str]] = {}
    for part, _prefix, instance, fields in parts:
        # The class comes from the school's own; the ID number was checked as the cell was read.
        exclude = [f.name for f in instance._meta.fields if f.name not in fields]
        exclude += ["school_class", "id_number"]
        exclude += [key.partition(".")[2] for key in reported if key.startswith(f"{part}.")]
        try:
            instance.clean_fields(exclude=exclude)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"{part}.{name}", []).extend(messages)
        try:
            if part == "pupil":
                disagreements = (
                    instance._id_number_disagreements() | instance._schooling_disagreements()
                )
                if disagreements:
                    raise ValidationError(disagreements)
            else:  # a parent's or guardian's birth date against their ID number
                instance.clean()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(f"{part}.{name}", []).extend(messages)
    return [
        _error(layout.header_of.get(key) or field_label(key), message)
        for key, messages in errors.items()
        if key not in reported
        for message in messages
    ]


def plan_import(*, actor: User, table: Table) -> ImportPlan:
    """What importing the table would do, row by row; reads only, writes nothing.

    Costs three queries (classes, pupils, their parents) per 5,000 ID numbers in the file.
    """
    layout = column_layout(table.headers)
    classes = class_lookup(SchoolClass.objects.filter(school_id=actor.school_id, is_active=True))
    read = [_read_row(number, cells, layout, classes) for number, cells in table.rows]
    if any(row.lost_digits for row in read):
        _refuse_cut_id_numbers(read, layout)
    matcher = _Matcher(_existing_pupils(actor.school_id, read), layout)
    rows = []
    for row in read:
        # Every check runs on every row, so that a row's errors are all told at once.
        before_matching = len(row.errors)
        pupil = matcher.match(row)
        _derive_from_id(row, pupil)
        source = _left_behind_from_parents(row, pupil, layout)
        name = str(row.data["pupil"].get("name") or (pupil.name if pupil else ""))
        if pupil is None and len(row.errors) == before_matching:
            _required_for_new(row, layout)
        parts, changes = archive_draft(school_id=actor.school_id, pupil=pupil, data=row.data)
        errors = row.errors + _validation_errors(parts, layout, row.failed)
        keys = [sys.intern(change["key"]) for change in changes]  # one string per field
        changes = [(change["field"], change["old"], change["new"]) for change in changes]
        status = ERROR if errors else NEW if pupil is None else UPDATED if changes else UNCHANGED
        rows.append(
            RowPlan(row.number, status, name, pupil, row.data, changes, errors, source, keys)
        )
    new_classes = sorted(
        (school_class for school_class in classes.values() if school_class.pk is None),
        key=lambda school_class: (school_class.grade, school_class.number),
    )
    for school_class in new_classes:
        school_class.school_id = actor.school_id
    return ImportPlan(
        rows=rows,
        headers=layout.recognised,
        ignored_headers=layout.ignored,
        header_row=table.header_row,
        new_classes=new_classes,
    )


def report_lines(plan: ImportPlan) -> list[str]:
    """The plan as text, a line a row, for the import_roster command."""
    empty = _("（空）")
    lines = []
    for row in plan.rows:
        if row.status == ERROR:
            detail = "；".join(row.errors)
        elif row.status == UPDATED:
            detail = "；".join(
                f"{label} {old or empty} → {new or empty}" for label, old, new in row.changes
            )
        else:
            detail = ""
        line = _("第%(n)d行 %(status)s %(name)s") % {
            "n": row.number,
            "status": row.status_label,
            "name": row.name or "—",
        }
        lines.append(f"{line}{pgettext('punctuation', '：')}{detail}" if detail else line)
    if plan.ignored_headers:
        lines.append(_("已忽略的列：%(headers)s") % {"headers": "、".join(plan.ignored_headers)})
    lines += plan_notes(plan)
    lines.append(
        _("共%(total)d行：新增%(new)d、更新%(updated)d、未变%(unchanged)d、错误%(error)d")
        % {"total": len(plan.rows), **plan.counts}
    )
    return lines


def plan_notes(plan: ImportPlan) -> list[str]:
    """What confirming would do besides the rows: the classes it creates, and how the rows
    saying only 单亲留守 were read."""
    notes = []
    if plan.new_classes:
        names = pgettext("punctuation", "、").join(plan.new_class_names)
        notes.append(_("将新建班级：%(names)s") % {"names": names})
    counts = plan.one_parent_counts
    if any(counts.values()):
        numbers = {
            "total": sum(counts.values()),
            "parents": counts[FROM_PARENTS],
            "confirm": counts[TO_CONFIRM],
            "kept": counts[KEPT],
        }
        note = _(
            "未写明父母哪一方外出的留守儿童%(total)d人：%(parents)d人由父母务工地得出，"
            "%(confirm)d人记为“单亲外出（待确认）”，由班主任在档案中确认。"
        )
        if counts[KEPT]:
            note = _(
                "未写明父母哪一方外出的留守儿童%(total)d人：%(parents)d人由父母务工地得出，"
                "%(confirm)d人记为“单亲外出（待确认）”，由班主任在档案中确认，"
                "%(kept)d人沿用档案中已有的记录。"
            )
        notes.append(note % numbers)
    return notes


def _namesakes_told_apart(candidates: list[Pupil], data: dict) -> list[Pupil]:
    """Pupils of one name whose masked numbers agree (the mask keeps only the area code), told
    apart by what the row also says of them: birth date, class, sex."""
    for name in ("birth_date", "school_class", "gender"):
        if len(candidates) < 2 or data.get(name) in (None, ""):
            continue
        same = [pupil for pupil in candidates if getattr(pupil, name) == data[name]]
        candidates = same or candidates
    return candidates
