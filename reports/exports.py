"""Spreadsheets of the reports: the teachers' work table (考核)."""

import datetime
from collections.abc import Iterable

from django.utils.translation import gettext as _

from caresys.lib.xlsx import Out, write_ledger
from reports.selectors import TABLE_KIND_LABELS, TeacherRow


def write_teacher_table_xlsx(
    rows: Iterable[TeacherRow], out: Out, *, school_name: str, term: str, day: datetime.date
) -> int:
    """One row per teacher, numbered, with the same columns as the page."""
    columns = [
        (_("序号"), 6),
        (_("教师"), 12),
        (_("班主任班级"), 14),
        (_("结对儿童"), 9),
        *((str(label), 9) for label in TABLE_KIND_LABELS),
        (_("其他记录"), 9),
        (_("合计"), 8),
        (_("本学期家访学生"), 12),
        (_("应家访学生"), 11),
        (_("五必访逾期"), 11),
    ]
    return write_ledger(
        out,
        name=_("教师关爱工作考核表（%(term)s）") % {"term": term},
        school_name=school_name,
        subtitle=_("填报日期：%(day)s") % {"day": day.isoformat()},
        columns=columns,
        rows=(_row(index, row) for index, row in enumerate(rows, 1)),
        date_columns=set(),
    )


def _row(index: int, row: TeacherRow) -> list:
    return [
        index,
        str(row.teacher),
        row.classes,
        row.pairs,
        *row.records.values(),
        row.other_records,
        row.total,
        row.visited,
        row.wanted_visits,
        row.overdue,
    ]
