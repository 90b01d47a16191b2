"""The .xlsx downloads: one base that writes an export's rows and logs the export, and the
registry's exports (the archives, the register 花名册 and the statistics 统计表).

Higher apps build their exports on Export too, so that every download is written, named and
logged the same way.
"""

import datetime
import itertools
from collections.abc import Collection, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from openpyxl.cell import Cell
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from caresys.lib.identity import mask_id_number, mask_phone
from caresys.lib.xlsx import (
    BOLD,
    BORDER,
    PERCENT_FORMAT,
    SUBTOTAL_FILL,
    TEXT_FORMAT,
    Columns,
    Out,
    cell_style,
    ledger_sheet,
    safe_cell,
    write_ledger,
    write_table,
    xlsx_response,
)
from registry.models import (
    CENSUS_CHANGES,
    AccessLog,
    CensusRound,
    Consent,
    Guardian,
    LeftBehind,
    Parent,
    Pupil,
    School,
    SchoolClass,
    User,
)
from registry.selectors import (
    STATISTICS_COLUMNS,
    LedgerStatistics,
    StatisticsColumn,
    away_work_places,
    shown_value,
)
from registry.services import log_access
from registry.spreadsheets.columns import (
    COLUMNS,
    DATE,
    export_converters,
    is_text_column,
)

# Pupils fetched at a time (with one query for their parents): memory stays flat for any school.
CHUNK_SIZE = 2000


class Export:
    """An .xlsx download. A subclass names the sheet and the file, says what the access log
    writes, gives its columns and yields its rows; the base writes them as a titled ledger
    (unless the subclass lays out a sheet of its own) and logs the export."""

    # The sheet's title, written after the school's name at the top of a ledger.
    name: str
    # The file's name, with the day of the export as %(day)s.
    filename_format: str
    # What the access log says of the export; None for counts only, which are not logged.
    detail: str | None
    date_columns: Collection[int] = ()

    def __init__(self, *, user: User, day: datetime.date | None = None) -> None:
        self.user = user
        self.day = day or timezone.localdate()
        # The children whose records the file holds, as rows() yields them: the log names each.
        self.pupil_ids: list[int] = []
        # Each child's school, where a file holds several schools' children (a county reader's
        # export): each school's log then shows the export of its children.
        self.pupil_school: dict[int, int] = {}

    @property
    def filename(self) -> str:
        return self.filename_format % {"day": self.day.isoformat()}

    def columns(self) -> Columns:
        raise NotImplementedError

    def rows(self) -> Iterator[list[Any]]:
        raise NotImplementedError

    @property
    def school_name(self) -> str:
        return self.user.school.name if self.user.school_id else ""

    def subtitle(self) -> str:
        return _("填报日期：%(day)s") % {"day": self.day.isoformat()}

    def write(self, out: Out) -> None:
        write_ledger(
            out,
            name=str(self.name),
            school_name=self.school_name,
            subtitle=self.subtitle(),
            columns=self.columns(),
            rows=self.rows(),
            date_columns=self.date_columns,
        )

    def save(
        self, out: Out, *, request: HttpRequest | None = None, detail: str | None = None
    ) -> None:
        """Write the file, then log the export: a row per child in it, or one row if none."""
        self.write(out)
        detail = detail or self.detail
        if detail is None:
            return
        by_school: dict[int | None, list[int]] = {}
        for pk in dict.fromkeys(self.pupil_ids):
            by_school.setdefault(self.pupil_school.get(pk, self.user.school_id), []).append(pk)
        for school_id, pupil_ids in (by_school or {self.user.school_id: []}).items():
            log_access(
                actor=self.user,
                action=AccessLog.Action.EXPORT,
                pupil_ids=pupil_ids,
                detail=str(detail),
                request=request,
                school=School(pk=school_id) if school_id is not None else None,
            )

    def response(self, request: HttpRequest) -> FileResponse:
        return xlsx_response(lambda out: self.save(out, request=request), self.filename)


# --- the archive -----------------------------------------------------------------------------


class AccessLogExport(Export):
    """访问日志 as the registrar filtered it, for an inspection or a complaint. Exporting the log
    is itself logged (once, naming no child: the rows name them)."""

    name = gettext_lazy("访问日志")
    filename_format = gettext_lazy("访问日志-%(day)s.xlsx")
    detail = gettext_lazy("导出访问日志")

    def __init__(self, *, user: User, logs: QuerySet[AccessLog]) -> None:
        super().__init__(user=user)
        self.logs = logs

    def columns(self) -> Columns:
        return [
            (_("时间"), 20),
            (_("操作人"), 12),
            (_("操作"), 12),
            (_("学生"), 10),
            (_("班级"), 14),
            (_("说明"), 40),
            (_("IP地址"), 16),
        ]

    def rows(self) -> Iterator[list[Any]]:
        for log in self.logs.iterator(chunk_size=CHUNK_SIZE):
            pupil = log.pupil
            yield [
                timezone.localtime(log.at).strftime("%Y-%m-%d %H:%M:%S"),
                str(log.actor or ""),
                log.get_action_display(),
                pupil.name if pupil else "",
                str(pupil.school_class or "") if pupil else "",
                log.detail,
                log.ip_address or "",
            ]


class ArchiveExport(Export):
    """Whole archives, one row per pupil in COLUMNS order; ID numbers and phones masked unless
    the administrator gives a reason. The headers are the columns' own, so the file imports
    back unchanged."""

    name = gettext_lazy("学生档案")
    filename_format = gettext_lazy("学生档案-%(day)s.xlsx")

    def __init__(
        self, *, user: User, pupils: QuerySet[Pupil], masked: bool, reason: str = ""
    ) -> None:
        super().__init__(user=user)
        self.pupils = pupils
        self.masked = masked
        self.reason = reason

    @property
    def detail(self) -> str:
        if self.masked:
            return _("导出档案（已遮蔽）")
        return _("导出档案（完整号码），理由：%(reason)s") % {"reason": self.reason}

    def columns(self) -> Columns:
        return [(column.header, column.width) for column in COLUMNS]

    def rows(self) -> Iterator[list[Any]]:
        class_names: dict[int, str] = {}
        converters = export_converters(masked=self.masked, class_names=class_names)
        # export_value's cells from the stored values: blank is None, else converted if need be.
        plan = list(zip(_RECORD_INDEX, converters, strict=True))
        for pupil_id, record in _archive_records(self.pupils, class_names):
            self.pupil_ids.append(pupil_id)
            yield [
                None if (value := record[index]) is None or value == "" else
                value if convert is None else convert(value)
                for index, convert in plan
            ]  # fmt: skip

    def write(self, out: Out) -> None:
        """A plain table rather than a ledger: the archive is the export of 20,000 rows."""
        write_table(
            out,
            title=str(self.name),
            columns=self.columns(),
            rows=self.rows(),
            text_columns={i for i, column in enumerate(COLUMNS) if is_text_column(column)},
            date_columns={i for i, column in enumerate(COLUMNS) if column.kind == DATE},
        )


def archive_parts(pupil: Pupil) -> dict[str, Pupil | Parent | Guardian | None]:
    """The pupil's archive by part; parents and guardian must be loaded with the pupil.

    selectors.archive_export_rows puts the parents in `prefetched_parents`; a queryset with
    prefetch_related("parents") does as well.
    """
    prefetched = getattr(pupil, "prefetched_parents", None)
    parents = {
        parent.relation: parent
        for parent in (pupil.parents.all() if prefetched is None else prefetched)
    }
    return {
        "pupil": pupil,
        "father": parents.get(Parent.Relation.FATHER),
        "mother": parents.get(Parent.Relation.MOTHER),
        "guardian": getattr(pupil, "guardian", None),
    }


# The stored fields of each part of an archive that its columns read, and where each column's
# value sits in a record of _archive_records: the pupil's, the guardian's, the father's and the
# mother's fields one after another.
_PART_FIELDS = {
    part: list(dict.fromkeys(c.model_field.attname for c in COLUMNS if c.part == part))
    for part in ("pupil", "guardian", "father", "mother")
}
_RECORD_FIELDS = [(part, name) for part, names in _PART_FIELDS.items() for name in names]
_RECORD_INDEX = [_RECORD_FIELDS.index((c.part, c.model_field.attname)) for c in COLUMNS]


def _archive_records(
    pupils: QuerySet[Pupil], class_names: dict[int, str]
) -> Iterator[tuple[int, tuple]]:
    """Each pupil's id and archive as stored values (None for a part the pupil lacks), in the
    queryset's order; class_names gets the name of each class met.

    Plain values rather than model instances: building 120,000 instances, with every field of
    each, was a fifth of the export of 20,000 archives. Parents in one query a chunk, as the
    selector's prefetch did.
    """
    class_field = _PART_FIELDS["pupil"].index("school_class_id") + 3
    rows = (
        pupils.prefetch_related(None)
        .values_list(
            "pk",
            "school_class__grade",
            "school_class__number",
            *_PART_FIELDS["pupil"],
            *(f"guardian__{name}" for name in _PART_FIELDS["guardian"]),
        )
        .iterator(chunk_size=CHUNK_SIZE)
    )
    parent_fields = _PART_FIELDS["father"]  # the mother's are the same (_parent_columns)
    no_parent = (None,) * len(parent_fields)
    while chunk := list(itertools.islice(rows, CHUNK_SIZE)):
        parents = {
            (row[0], row[1]): row[2:]
            for row in Parent.objects.filter(pupil_id__in=[row[0] for row in chunk])
            .order_by()
            .values_list("pupil_id", "relation", *parent_fields)
        }
        for row in chunk:
            pupil_id, class_id = row[0], row[class_field]
            if class_id is not None and class_id not in class_names:
                class_names[class_id] = str(SchoolClass(pk=class_id, grade=row[1], number=row[2]))
            yield (
                pupil_id,
                (
                    row[3:]
                    + parents.get((pupil_id, Parent.Relation.FATHER), no_parent)
                    + parents.get((pupil_id, Parent.Relation.MOTHER), no_parent)
                ),
            )


# --- the register (留守儿童花名册) -------------------------------------------------------------


class RegisterExport(Export):
    """留守儿童花名册: the left-behind children in class order, one table that sorts and filters.

    Guardians' phones are shown as the user sees them on screen.
    """

    name = gettext_lazy("留守儿童花名册")
    filename_format = gettext_lazy("留守儿童花名册-%(day)s.xlsx")
    detail = gettext_lazy("导出花名册")
    date_columns = (4,)

    def __init__(self, *, user: User, pupils: QuerySet[Pupil]) -> None:
        super().__init__(user=user)
        self.pupils = pupils

    def columns(self) -> Columns:
        return _register_columns()

    def rows(self) -> Iterator[list[Any]]:
        for number, pupil in enumerate(self.pupils.iterator(chunk_size=CHUNK_SIZE), 1):
            self.pupil_ids.append(pupil.pk)
            yield _register_row(number, pupil, self.user)


def _register_columns() -> list[tuple[str, float]]:
    return [
        (_("序号"), 6),
        (_("班级"), 14),
        (_("姓名"), 10),
        (_("性别"), 6),
        (_("出生日期"), 12),
        (_("家庭住址"), 30),
        (_("留守情况"), 10),
        (_("监护类型"), 10),
        (_("监护人"), 10),
        (_("与儿童关系"), 10),
        (_("监护人电话"), 14),
        (_("父母务工地"), 28),
        (_("类别"), 26),
        (_("关爱对象"), 10),
    ]


def _guardian_phone(user: User, pupil: Pupil, guardian: Guardian | None) -> str:
    """The guardian's phone as the person sees it on screen (masked unless they call)."""
    return shown_value(user, pupil, "guardian.phone", guardian.phone)[0] if guardian else ""


def _register_row(number: int, pupil: Pupil, user: User) -> list[Any]:
    parts = archive_parts(pupil)
    guardian = parts["guardian"]
    return [
        number,
        str(pupil.school_class) if pupil.school_class else "",
        pupil.name,
        pupil.get_gender_display(),
        pupil.birth_date,
        pupil.address,
        pupil.get_left_behind_display(),
        pupil.get_guardianship_type_display(),
        guardian.name if guardian else "",
        guardian.relation if guardian else "",
        _guardian_phone(user, pupil, guardian),
        away_work_places(pupil, parts["father"], parts["mother"]),
        pgettext("punctuation", "、").join(pupil.categories),
        _("是") if user.school.cares_for(pupil) else _("否"),
    ]


# --- the sharing list (共享名单) -----------------------------------------------------------------


class SharingExport(Export):
    """The left-behind children whose guardians consented to sharing with volunteers or the
    village committee, for those who help them: no ID numbers, phones masked. Its subtitle says
    how many were left out for lack of consent."""

    filename_format = gettext_lazy("共享名单-%(day)s.xlsx")

    def __init__(self, *, user: User, pupils: QuerySet[Pupil], purpose: str, left_out: int) -> None:
        super().__init__(user=user)
        self.pupils = pupils
        self.purpose = Consent.Purpose(purpose)
        self.left_out = left_out

    @property
    def name(self) -> str:
        return _("共享名单（%(purpose)s）") % {"purpose": self.purpose.label}

    @property
    def detail(self) -> str:
        return _("导出共享名单（%(purpose)s），因未取得同意未列入%(n)d名") % {
            "purpose": self.purpose.label,
            "n": self.left_out,
        }

    def subtitle(self) -> str:
        return _(
            "填报日期：%(day)s。只列入监护人同意%(purpose)s的儿童；"
            "另有%(n)d名儿童因监护人未同意（或已撤回）未列入。"
        ) % {"day": self.day.isoformat(), "purpose": self.purpose.label, "n": self.left_out}

    def columns(self) -> Columns:
        return [
            (_("序号"), 6),
            (_("班级"), 14),
            (_("姓名"), 10),
            (_("性别"), 6),
            (_("村（社区）"), 14),
            (_("留守情况"), 10),
            (_("监护人"), 10),
            (_("与儿童关系"), 10),
            (_("监护人电话"), 14),
        ]

    def rows(self) -> Iterator[list[Any]]:
        for number, pupil in enumerate(self.pupils.iterator(chunk_size=CHUNK_SIZE), 1):
            self.pupil_ids.append(pupil.pk)
            guardian = getattr(pupil, "guardian", None)
            yield [
                number,
                str(pupil.school_class) if pupil.school_class else "",
                pupil.name,
                pupil.get_gender_display(),
                pupil.village,
                pupil.get_left_behind_display(),
                guardian.name if guardian else "",
                guardian.relation if guardian else "",
                mask_phone(guardian.phone) if guardian else "",
            ]


# --- the statistics (留守儿童统计表) ------------------------------------------------------------


class StatisticsExport(Export):
    """留守儿童统计表: counts by class, a subtotal per grade and the school's total. Counts name
    no child, so the export is not logged."""

    name = gettext_lazy("留守儿童统计表")
    filename_format = gettext_lazy("留守儿童统计表-%(day)s.xlsx")
    detail = None

    def __init__(self, *, user: User, statistics: LedgerStatistics) -> None:
        super().__init__(user=user)
        self.shown = statistics.display_rows

    def subtitle(self) -> str:
        return _("统计日期：%(day)s（在校学生）") % {"day": self.day.isoformat()}

    def columns(self) -> Columns:
        widths = [7 if column.key != "share" else 8 for column in STATISTICS_COLUMNS]
        labels = [str(column.label) for column in STATISTICS_COLUMNS]
        return [(_("班级"), 16), *zip(labels, widths, strict=True)]

    def rows(self) -> Iterator[list[Any]]:
        """A row per class, grade subtotal and total: its label, its counts, its share (0-1)."""
        for row in self.shown:
            yield [
                str(row.label),
                *(
                    value / 100 if column.key == "share" and value is not None else value
                    for column, value in row.cells
                ),
            ]

    def write(self, out: Out) -> None:
        """Under a two-row header that groups the columns, subtotals and the total in bold."""
        columns = self.columns()
        workbook, sheet, header = ledger_sheet(
            str(self.name),
            self.school_name,
            self.subtitle(),
            widths=[width for _label, width in columns],
            title_rows="3:4",
            freeze="B5",
        )
        plain = {
            "label": cell_style(sheet, border=BORDER, number_format=TEXT_FORMAT),
            "count": cell_style(sheet, border=BORDER),
            "share": cell_style(sheet, border=BORDER, number_format=PERCENT_FORMAT),
        }
        bold = {
            key: cell_style(sheet, border=BORDER, font=BOLD, fill=SUBTOTAL_FILL,
                            number_format=style_format)
            for key, style_format in (("label", TEXT_FORMAT), ("count", "General"),
                                      ("share", PERCENT_FORMAT))
        }  # fmt: skip
        keys = ["label", *("share" if c.key == "share" else "count" for c in STATISTICS_COLUMNS)]
        _write_statistics_header(sheet, header)
        kinds = (row.kind for row in self.shown)
        for kind, values in zip(kinds, self.rows(), strict=True):
            styles = plain if kind == "class" else bold
            sheet.append(
                [
                    safe_cell(sheet, value, styles[key])
                    for value, key in zip(values, keys, strict=True)
                ]
            )
        workbook.save(out)


def statistics_groups() -> list[tuple[str, list[StatisticsColumn]]]:
    """The statistics columns under their heading; a column without a group heads itself."""
    groups: list[tuple[str, list[StatisticsColumn]]] = []
    for column in STATISTICS_COLUMNS:
        if column.group and groups and groups[-1][0] == str(column.group):
            groups[-1][1].append(column)
        else:
            groups.append((str(column.group), [column]))
    return groups


def _write_statistics_header(sheet: WriteOnlyWorksheet, style: StyleArray) -> None:
    """Two header rows: a group ("留守儿童", "类别", "监护类型") above its columns."""
    groups, labels = [_("班级")], [None]
    sheet.merged_cells.add("A3:A4")
    for group, members in statistics_groups():
        first = get_column_letter(len(groups) + 1)
        if group:
            sheet.merged_cells.add(f"{first}3:{get_column_letter(len(groups) + len(members))}3")
            groups += [group] + [None] * (len(members) - 1)
            labels += [str(column.label) for column in members]
        else:  # a column of its own spans both rows
            sheet.merged_cells.add(f"{first}3:{first}4")
            groups.append(str(members[0].label))
            labels.append(None)
    sheet.row_dimensions[4].height = 42
    # Merged cells keep their borders only where a cell is written, so every cell is written.
    sheet.append([_header_cell(sheet, value, style) for value in groups])
    sheet.append([_header_cell(sheet, value, style) for value in labels])


def _header_cell(sheet: WriteOnlyWorksheet, value: str | None, style: StyleArray) -> Cell:
    return safe_cell(sheet, value, style) or Cell(sheet, row=1, column=1, style_array=style)


# --- a census round's outcome (摸底结果) -------------------------------------------------------


class CensusOutcomeExport(Export):
    """What a census round changed: one row per child, grouped by kind of change, with the
    guardian's phone as the person sees it on screen."""

    name = gettext_lazy("留守儿童摸底结果")
    filename_format = gettext_lazy("留守儿童摸底结果-%(day)s.xlsx")

    def __init__(self, *, user: User, census: CensusRound, changes: list) -> None:
        super().__init__(user=user)
        self.census = census
        self.changes = changes

    @property
    def detail(self) -> str:
        return _("导出摸底结果：%(name)s") % {"name": self.census.name}

    def subtitle(self) -> str:
        opened = timezone.localdate(self.census.opened_at).isoformat()
        if self.census.closed_at is None:
            return _("%(name)s（%(opened)s开始，尚未结束：截至%(day)s）") % {
                "name": self.census.name, "opened": opened, "day": self.day.isoformat(),
            }  # fmt: skip
        return _("%(name)s（%(opened)s至%(closed)s）") % {
            "name": self.census.name,
            "opened": opened,
            "closed": timezone.localdate(self.census.closed_at).isoformat(),
        }

    def columns(self) -> Columns:
        return [
            (_("序号"), 6),
            (_("变化"), 12),
            (_("班级"), 14),
            (_("姓名"), 10),
            (_("性别"), 6),
            (_("摸底开始时"), 12),
            (_("摸底结束时"), 12),
            (_("监护人"), 10),
            (_("监护人电话"), 14),
            (_("父母务工地"), 28),
        ]

    def rows(self) -> Iterator[list[Any]]:
        labels = {kind: str(label) for kind, label in CENSUS_CHANGES.items()}
        ordered = sorted(self.changes, key=lambda row: list(CENSUS_CHANGES).index(row.kind))
        for number, change in enumerate(ordered, 1):
            pupil = change.pupil
            self.pupil_ids.append(pupil.pk)
            parts = archive_parts(pupil)
            guardian = parts["guardian"]
            yield [
                number,
                labels[change.kind],
                str(pupil.school_class or ""),
                pupil.name,
                pupil.get_gender_display(),
                change.before_label or _("不在校"),
                change.after_label or _("不在校"),
                guardian.name if guardian else "",
                _guardian_phone(self.user, pupil, guardian),
                away_work_places(pupil, parts["father"], parts["mother"]),
            ]


# --- the national layouts (学籍, 民政登记表) ---------------------------------------------------


class NationalExport(Export):
    """A table another system takes in: one header row, then a row per child; ID numbers and
    phones whole only for those who may see them (masked: as an export shows them)."""

    def __init__(
        self, *, user: User, pupils: QuerySet[Pupil], masked: bool, reason: str = ""
    ) -> None:
        super().__init__(user=user)
        self.pupils = pupils
        self.masked = masked
        self.reason = reason

    @property
    def detail(self) -> str:
        """As ArchiveExport's: whole numbers are logged with the reason the administrator gave."""
        if self.masked:
            return _("导出%(name)s（已遮蔽）") % {"name": self.name}
        return _("导出%(name)s（完整号码），理由：%(reason)s") % {
            "name": self.name,
            "reason": self.reason,
        }

    def id_number(self, value: str) -> str:
        return mask_id_number(value) if self.masked and value else value

    def phone(self, value: str) -> str:
        return mask_phone(value) if self.masked and value else value

    def write(self, out: Out) -> None:
        columns = self.columns()
        write_table(
            out,
            title=str(self.name),
            columns=columns,
            rows=self.rows(),
            text_columns={i for i, (label, _w) in enumerate(columns) if label not in self.dates},
            date_columns={i for i, (label, _w) in enumerate(columns) if label in self.dates},
        )

    @property
    def dates(self) -> set[str]:
        return {str(_("出生日期"))}


class XuejiExport(NationalExport):
    """The 学籍 layout: 是否留守儿童 as its code (0 非留守, 1 单亲留守, 2 双亲留守), every pupil."""

    name = gettext_lazy("学籍留守儿童信息")
    filename_format = gettext_lazy("学籍留守儿童信息-%(day)s.xlsx")

    def columns(self) -> Columns:
        return [
            (_("学籍号"), 22),
            (_("姓名"), 10),
            (_("性别"), 6),
            (_("出生日期"), 12),
            (_("身份证号"), 21),
            (_("民族"), 8),
            (_("学校"), 20),
            (_("班级"), 14),
            (_("户口性质"), 10),
            (_("户籍所在地"), 24),
            (_("是否留守儿童"), 8),
            (_("留守情况"), 12),
        ]

    def rows(self) -> Iterator[list[Any]]:
        for pupil in self.pupils.iterator(chunk_size=CHUNK_SIZE):
            self.pupil_ids.append(pupil.pk)
            self.pupil_school[pupil.pk] = pupil.school_id
            yield [
                self.id_number(pupil.student_number),
                pupil.name,
                pupil.get_gender_display(),
                pupil.birth_date,
                self.id_number(pupil.id_number),
                pupil.get_ethnicity_display(),
                pupil.school.name,
                str(pupil.school_class or ""),
                pupil.get_hukou_type_display(),
                pupil.hukou_place,
                LeftBehind.xueji_code(pupil.left_behind),
                pupil.get_left_behind_display(),
            ]


class CivilAffairsExport(NationalExport):
    """The civil-affairs 登记表 (民政 2016): only the children its definition counts on the
    export's day (Pupil.objects.civil_affairs), with the form's columns."""

    name = gettext_lazy("农村留守儿童信息登记表")
    filename_format = gettext_lazy("农村留守儿童信息登记表-%(day)s.xlsx")

    def __init__(
        self, *, user: User, pupils: QuerySet[Pupil], masked: bool, reason: str = ""
    ) -> None:
        super().__init__(user=user, pupils=pupils, masked=masked, reason=reason)
        self.pupils = pupils.civil_affairs(self.day)

    @property
    def dates(self) -> set[str]:
        return {
            str(_("出生日期")),
            *(f"{role}{_('出生日期')}" for role in (_("父亲"), _("母亲"), _("监护人"))),
        }

    def columns(self) -> Columns:
        parent_columns = []
        for role in (_("父亲"), _("母亲")):
            parent_columns += [
                (f"{role}{_('姓名')}", 10),
                (f"{role}{_('身份证号')}", 21),
                (f"{role}{_('出生日期')}", 12),
                (f"{role}{_('外出务工')}", 8),
                (f"{role}{_('务工地')}", 16),
                (f"{role}{_('联系电话')}", 14),
                (f"{role}{_('无监护能力')}", 8),
            ]
        return [
            (_("序号"), 6),
            (_("姓名"), 10),
            (_("性别"), 6),
            (_("出生日期"), 12),
            (_("身份证号"), 21),
            (_("民族"), 8),
            (_("户籍所在地"), 24),
            (_("户籍类型"), 10),
            (_("是否登记户口"), 8),
            (_("残疾类别"), 10),
            (_("残疾等级"), 8),
            (_("患病情况"), 14),
            (_("就学情况"), 8),
            (_("就读学校"), 20),
            (_("班级"), 14),
            (_("留守类型"), 22),
            *parent_columns,
            (_("监护人姓名"), 10),
            (_("与儿童关系"), 10),
            (_("监护人身份证号"), 21),
            (_("监护人出生日期"), 12),
            (_("监护人联系电话"), 14),
            (_("监护情况评估"), 8),
            (_("家庭经济来源"), 12),
            (_("救助帮扶"), 20),
            (_("村（居）委会联系人"), 10),
            (_("村（居）委会联系电话"), 14),
        ]

    def rows(self) -> Iterator[list[Any]]:
        for number, pupil in enumerate(self.pupils.iterator(chunk_size=CHUNK_SIZE), 1):
            self.pupil_ids.append(pupil.pk)
            self.pupil_school[pupil.pk] = pupil.school_id
            parts = archive_parts(pupil)
            guardian = parts["guardian"]
            away = {"father": pupil.father_away, "mother": pupil.mother_away}
            parent_cells = []
            for part in ("father", "mother"):
                parent = parts[part]
                parent_cells += [
                    parent.name if parent else "",
                    self.id_number(parent.id_number) if parent else "",
                    parent.birth_date if parent else None,
                    _("是")
                    if away[part]
                    else (_("待确认") if pupil.away_parent_to_confirm else _("否")),
                    parent.work_place if parent else "",
                    self.phone(parent.phone) if parent else "",
                    _("是") if parent and parent.cannot_guard else _("否"),
                ]
            yield [
                number,
                pupil.name,
                pupil.get_gender_display(),
                pupil.birth_date,
                self.id_number(pupil.id_number),
                pupil.get_ethnicity_display(),
                pupil.hukou_place,
                pupil.get_hukou_type_display(),
                pupil.get_hukou_registered_display(),
                pupil.get_disability_display(),
                pupil.get_disability_grade_display() if pupil.disability_grade else "",
                pupil.illness,
                pupil.get_schooling_display(),
                pupil.school.name,
                str(pupil.school_class or ""),
                _civil_affairs_kind(pupil),
                *parent_cells,
                guardian.name if guardian else "",
                guardian.relation if guardian else "",
                self.id_number(guardian.id_number) if guardian else "",
                guardian.birth_date if guardian else None,
                self.phone(guardian.phone) if guardian else "",
                pupil.get_guardianship_assessment_display(),
                pupil.get_family_income_display(),
                pgettext("punctuation", "、").join(pupil.assistance_labels),
                pupil.committee_contact,
                pupil.committee_phone,  # an office's phone, shown whole on the archive too
            ]


def _civil_affairs_kind(pupil: Pupil) -> str:
    """Why civil affairs counts the child: both parents away, or one away and the other not
    able to look after them."""
    if pupil.left_behind == LeftBehind.BOTH:
        return _("父母均外出务工")
    return _("一方外出务工、另一方无监护能力")
