"""The 评比 table as a spreadsheet: the schools ranked, each measure's value and score."""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from caresys.lib.xlsx import Columns
from county.models import AppraisalMeasure
from county.selectors import AppraisalRow
from registry.models import User
from registry.spreadsheets.exports import Export


class AppraisalExport(Export):
    """One row per school in rank order, with the page's columns; it names schools, not
    children: the log has one row for it."""

    name = gettext_lazy("关爱留守儿童工作评比表")
    filename_format = gettext_lazy("关爱工作评比表-%(day)s.xlsx")
    detail = gettext_lazy("导出各校关爱工作评比表")

    def __init__(
        self,
        *,
        user: User,
        rows: list[AppraisalRow],
        weights: dict[str, int],
        reach: str,
        terms: list[str],
    ) -> None:
        super().__init__(user=user)
        self.ranked, self.weights, self.reach, self.terms = rows, weights, reach, terms
        self.keys = [key for key, weight in weights.items() if weight]

    @property
    def school_name(self) -> str:
        return self.reach

    def subtitle(self) -> str:
        return _("学期：%(terms)s　　导出日期：%(day)s") % {
            "terms": "、".join(self.terms),
            "day": self.day.isoformat(),
        }

    def columns(self) -> Columns:
        measures = []
        for key in self.keys:
            label = AppraisalMeasure.Key(key).label
            measures += [
                (str(label), 11),
                (
                    _("%(measure)s得分（权重%(weight)s）")
                    % {"measure": label, "weight": self.weights[key]},
                    13,
                ),
            ]
        return [
            (_("名次"), 6),
            (_("乡镇（学区）"), 14),
            (_("学校"), 22),
            (_("学校标识码"), 12),
            *measures,
            (_("综合得分"), 10),
            (_("备注"), 24),
        ]

    def rows(self) -> Iterator[list[Any]]:
        # What a school cannot have is a dash, as on the page, not an empty cell read as 0.
        def shown(value: float | None) -> float | str:
            return "—" if value is None else value

        for row in self.ranked:
            school = row.row.school
            values: list[Any] = []
            for key in self.keys:
                scored = row.scores[key]
                values += [shown(scored.value), shown(scored.score)]
            yield [
                _("不参评") if row.excluded else row.rank,
                str(school.township or ""),
                school.name,
                school.code,
                *values,
                shown(row.total),
                row.excluded or "",
            ]
