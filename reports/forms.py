from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from reports.drafts import SECTIONS
from reports.models import TermReport
from visits.models import CareRecord

SECTION_PREFIX = "section_"


class TermReportForm(forms.ModelForm):
    """The summary's texts; each measure of 二、主要工作措施 a textarea prefilled with the
    principal's text, or the draft from the data (`drafts`) for a section never saved."""

    class Meta:
        model = TermReport
        fields = [*TermReport.TEXT_FIELDS, *TermReport.CASE_FIELDS]
        help_texts = {
            "case_record": _(
                "从本学期内容较多的记录中选一条作为典型案例（可按姓名查找）；"
                "更换记录或称呼后，典型案例一节按所选记录重新起草。"
            ),
            "case_alias": _("称呼选“化名”时填写，如“小雨”。"),
        }
        widgets = {
            "preamble": forms.Textarea(attrs={"rows": 3}),
            "leading_group": forms.Textarea(attrs={"rows": 3}),
            "measures_note": forms.Textarea(attrs={"rows": 3}),
            "achievements": forms.Textarea(attrs={"rows": 4}),
            "problems": forms.Textarea(attrs={"rows": 6}),
            "plans": forms.Textarea(attrs={"rows": 6}),
            "closing": forms.Textarea(attrs={"rows": 3}),
            "signed_on": DATE_INPUT,
        }

    def __init__(
        self,
        *args: Any,
        drafts: dict[str, str],
        cases: QuerySet[CareRecord],
        case_choices: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        """`cases`: the records the user may choose (visits' access rules), `case_choices`:
        the few listed (reports.selectors.case_choices)."""
        super().__init__(*args, **kwargs)
        record = self.fields["case_record"]
        record.queryset = cases
        record.choices = [("", _("（不写典型案例）")), *case_choices]
        record.required = False
        if self.initial.get("case_record") is None:
            self.initial["case_record"] = ""  # posted back as is: none chosen
        saved = self.instance.sections or {}
        fields = {}
        for key, heading in SECTIONS:
            fields[SECTION_PREFIX + key] = forms.CharField(
                label=heading,
                required=False,
                strip=True,
                initial=saved.get(key, drafts[key]),
                help_text=_("按数据起草，可改可删；留空则不打印这一节。"),
                widget=forms.Textarea(attrs={"rows": 6 if key == "case" else 3}),
            )
        # The measures in the order they print: after the leading group, before the others;
        # the case's choice just before its text.
        case = {name: self.fields.pop(name) for name in TermReport.CASE_FIELDS}
        at = list(fields).index(SECTION_PREFIX + "case")
        fields = dict(list(fields.items())[:at] + list(case.items()) + list(fields.items())[at:])
        order = list(self.fields)
        at = order.index("leading_group") + 1
        self.fields = dict(
            [(name, self.fields[name]) for name in order[:at]]
            + list(fields.items())
            + [(name, self.fields[name]) for name in order[at:]]
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        naming, alias = data.get("case_naming"), (data.get("case_alias") or "").strip()
        if data.get("case_record") and naming == TermReport.Naming.ALIAS and not alias:
            self.add_error("case_alias", _("请填写化名，或改选其他称呼。"))
        return data

    def texts(self) -> dict[str, Any]:
        """What term_report_update saves: the model's fields and the sections as one dict."""
        data = dict(self.cleaned_data)
        data["sections"] = {key: data.pop(SECTION_PREFIX + key) for key, _heading in SECTIONS}
        return data
