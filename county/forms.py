from django import forms
from django.utils.translation import gettext_lazy as _

from county.models import AppraisalMeasure


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
