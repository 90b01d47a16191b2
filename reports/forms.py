from django import forms

from caresys.lib.forms import DATE_INPUT
from reports.models import TermReport


class TermReportForm(forms.ModelForm):
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
            "signed_on": DATE_INPUT,
        }
