"""结对帮扶登记表 as a spreadsheet, in the look of the registry's ledgers."""

import datetime
from typing import Any

from django.utils.translation import gettext as _

from caresys.lib.xlsx import Out, write_ledger
from pairing.models import Pair


def register_columns(with_ended: bool) -> list[tuple[str, float]]:
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
        getattr(pair, "last_activity_on", None),
    ]
    if with_ended:
        row += [pair.ended_on, pair.get_end_reason_display() if pair.ended_on else ""]
    return row


def write_pair_register_xlsx(
    pairs: list[Pair], out: Out, *, school_name: str, day: datetime.date, with_ended: bool
) -> int:
    """The register, one row a pair, titled and printed like the other ledgers."""
    return write_ledger(
        out,
        name=_("结对帮扶登记表"),
        school_name=school_name,
        subtitle=_("填报日期：%(day)s") % {"day": day.isoformat()},
        columns=register_columns(with_ended),
        rows=(register_row(n, pair, with_ended) for n, pair in enumerate(pairs, 1)),
        date_columns={8, 10, 11},
    )
