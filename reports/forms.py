from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from reports.drafts import SECTIONS
from reports.models import TermReport

SECTION_PREFIX = "section_"


class TermReportForm(forms.ModelForm):
    """The summary's texts; each measure of 二、主要工作措施 a textarea prefilled with the
    principal's text, or the draft from the data (`drafts`) for a section never saved."""

    class Meta:
        model = TermReport
        fields = list(TermReport.TEXT_FIELDS)
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

    def __init__(self, *args: Any, drafts: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        saved = self.instance.sections or {}
        fields = {}
        for key, heading in SECTIONS:
            fields[SECTION_PREFIX + key] = forms.CharField(
                label=heading,
                required=False,
                strip=True,
                initial=saved.get(key, drafts[key]),
                help_text=_("按数据起草，可改可删；留空则不打印这一节。"),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        # The measures in the order they print: after the leading group, before the others.
        order = list(self.fields)
        at = order.index("leading_group") + 1
        self.fields = dict(
            [(name, self.fields[name]) for name in order[:at]]
            + list(fields.items())
            + [(name, self.fields[name]) for name in order[at:]]
        )

    def texts(self) -> dict[str, Any]:
        """What term_report_update saves: the model's fields and the sections as one dict."""
        data = dict(self.cleaned_data)
        data["sections"] = {key: data.pop(SECTION_PREFIX + key) for key, _heading in SECTIONS}
        return data
