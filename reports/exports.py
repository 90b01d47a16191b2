"""Spreadsheets of the reports: the teachers' work table (考核)."""

from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.xlsx import Columns
from registry.models import User
from registry.spreadsheets.exports import Export
from reports.selectors import TABLE_KIND_LABELS, TeacherRow


class TeacherTableExport(Export):
    """One row per teacher, numbered, with the same columns as the page. It names teachers, not
    children: the log has one row for it."""

    detail = gettext_lazy("导出教师关爱工作考核表")

    def __init__(self, *, user: User, rows: Iterable[TeacherRow], term: str) -> None:
        super().__init__(user=user)
        self.teacher_rows = rows
        self.term = term

    @property
    def name(self) -> str:
        return _("教师关爱工作考核表（%(term)s）") % {"term": self.term}

    @property
    def filename(self) -> str:
        """Named for the term rather than the day."""
        return _("教师关爱工作考核表-%(term)s.xlsx") % {"term": self.term}

    def columns(self) -> Columns:
        return [
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
            (_("主持活动"), 9),
            (_("班级活动"), 9),
            (_("应开展班级活动"), 14),
        ]

    def rows(self) -> Iterator[list[Any]]:
        for index, row in enumerate(self.teacher_rows, 1):
            yield _row(index, row)


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
        row.events_led,
        row.quota_events,
        row.quota_wanted,
    ]
