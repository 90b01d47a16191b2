"""Forms of care records: written on a phone in a minute, nothing typed lost on an error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.forms import DATE_INPUT
from registry.models import Pupil
from visits.models import CareRecord, CareSettings, WatchEvent


class _PupilsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pupil: Pupil) -> str:
        mark = "" if pupil.left_behind == "none" else _("（留守）")
        return f"{pupil.name}{mark}"


class CareRecordForm(forms.ModelForm):
    pupils = _PupilsField(label=_("儿童"), queryset=Pupil.objects.none())

    class Meta:
        model = CareRecord
        fields = ["pupils", *CareRecord.FILLED_IN]
        widgets = {
            "occurred_on": DATE_INPUT,
            "follow_up_by": DATE_INPUT,
            "content": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, pupils, kinds, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["kind"].choices = kinds

    def record_fields(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "pupils"}


class WatchEventForm(forms.ModelForm):
    class Meta:
        model = WatchEvent
        fields = ["kind", "noticed_on", "note"]
        widgets = {"noticed_on": DATE_INPUT, "kind": forms.RadioSelect}


class CareSettingsForm(forms.ModelForm):
    class Meta:
        model = CareSettings
        fields = [
            "talks_per_month",
            "family_calls_per_month",
            "guardian_calls_per_month",
            "home_visits_per_term",
            "teacher_visits_per_month",
            "symposia_per_term",
            "parent_meetings_per_term",
            "watch_due_days",
            "no_contact_days",
        ]
