"""结对帮扶登记表 as a spreadsheet, in the look of the registry's ledgers."""

import datetime
from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.xlsx import Columns
from pairing.models import Pair
from registry.models import User
from registry.spreadsheets.exports import Export


def register_columns(with_ended: bool) -> Columns:
    columns = [
        (_("序号"), 6),
        (_("班级"), 14),
        (_("儿童姓名"), 10),
        (_("性别"), 6),
        (_("留守情况"), 10),
        (_("结对类型"), 16),
        (_("帮扶人"), 22),
        (_("帮扶人电话"), 14),
        (_("结对日期"), 12),
        (_("帮扶目标"), 36),
        (_("最近活动"), 12),
    ]
    if with_ended:
        columns += [(_("结束日期"), 12), (_("结束原因"), 14)]
    return columns


def partner_label(pair: Pair) -> str:
    """The partner as the register names them: a buddy with class, a volunteer with organisation."""
    if pair.kind == Pair.Kind.BUDDY and pair.buddy is not None:
        return f"{pair.buddy.name}（{pair.buddy.school_class or ''}）"
    if pair.kind == Pair.Kind.VOLUNTEER and pair.volunteer is not None:
        organisation = pair.volunteer.organisation
        return f"{pair.volunteer.name}（{organisation}）" if organisation else pair.volunteer.name
    return pair.partner_name


def register_row(number: int, pair: Pair, with_ended: bool) -> list[Any]:
    pupil = pair.pupil
    plan = getattr(pair, "plan", None)
    row = [
        number,
        str(pupil.school_class) if pupil.school_class else "",
        pupil.name,
        pupil.get_gender_display(),
        pupil.get_left_behind_display(),
        pair.get_kind_display(),
        partner_label(pair),
        pair.partner_phone if pair.kind != Pair.Kind.BUDDY else "",
        pair.started_on,
        plan.goals if plan is not None else "",
        pair.last_active_on,  # kept: the later of its last check and last record
    ]
    if with_ended:
        row += [pair.ended_on, pair.get_end_reason_display() if pair.ended_on else ""]
    return row


def register_page_row(number: int, pair: Pair, with_ended: bool) -> list[Any]:
    """The register's row as the page prints it: days as 2026-03-01, blank for nothing."""
    return [
        value.isoformat() if isinstance(value, datetime.date) else "" if value is None else value
        for value in register_row(number, pair, with_ended)
    ]


class PairRegisterExport(Export):
    """The register, one row a pair, titled and printed like the other ledgers."""

    name = gettext_lazy("结对帮扶登记表")
    filename_format = gettext_lazy("结对帮扶登记表-%(day)s.xlsx")
    detail = gettext_lazy("导出结对帮扶登记表")
    date_columns = (8, 10, 11)

    def __init__(self, *, user: User, pairs: list[Pair], with_ended: bool) -> None:
        super().__init__(user=user)
        self.pairs = pairs
        self.with_ended = with_ended

    def columns(self) -> Columns:
        return register_columns(self.with_ended)

    def rows(self) -> Iterator[list[Any]]:
        for number, pair in enumerate(self.pairs, 1):
            self.pupil_ids.append(pair.pupil_id)
            yield register_row(number, pair, self.with_ended)
