from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from county.models import AppraisalMeasure, RollupReport


class AppraisalWeightsForm(forms.Form):
    """One weight per measure, 0 to 100; 0 leaves the measure out of the 评比."""

    def __init__(self, *args, weights: dict[str, int], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for key, label in AppraisalMeasure.Key.choices:
            self.fields[key] = forms.IntegerField(
                label=label, min_value=0, max_value=100, initial=weights.get(key, 0)
            )

    def clean(self) -> dict:
        cleaned = super().clean()
        if not self.errors and not any(cleaned.values()):
            raise forms.ValidationError(_("至少给一项指标设置大于0的权重。"))
        return cleaned


class RollupReportForm(forms.ModelForm):
    """The roll-up's texts; its figures and tables are printed from the schools' data."""

    class Meta:
        model = RollupReport
        fields = list(RollupReport.TEXT_FIELDS)
        help_texts = {
            "overview": _("印在“一、总体情况”的统计数字和各校基本情况表之前。"),
            "measures": _("各校的主要做法；各校关爱工作情况表随后印出。"),
            "problems": _("未建该学期的学校由系统列出，不必再写。"),
        }
        widgets = {
            "overview": forms.Textarea(attrs={"rows": 4}),
            "measures": forms.Textarea(attrs={"rows": 6}),
            "problems": forms.Textarea(attrs={"rows": 5}),
            "plans": forms.Textarea(attrs={"rows": 5}),
            "signed_on": DATE_INPUT,
        }

    def texts(self) -> dict:
        return {name: self.cleaned_data[name] for name in RollupReport.TEXT_FIELDS}
