import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from plans.models import PlanItem, WorkPlan
from registry.models import User


class _StaffField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.username


class PlanForm(forms.ModelForm):
    class Meta:
        model = WorkPlan
        fields = ["title", "intro"]
        widgets = {"intro": forms.Textarea(attrs={"rows": 5})}


class PlanItemForm(forms.ModelForm):
    """One item; its month is one of the term's, its day optional."""

    month = forms.TypedChoiceField(label=_("月份"), coerce=datetime.date.fromisoformat, choices=())
    responsible = _StaffField(label=_("负责人"), queryset=User.objects.none())

    class Meta:
        model = PlanItem
        fields = ["month", "on_date", "kind", "title", "responsible", "produces"]
        widgets = {"on_date": DATE_INPUT}

    def __init__(self, *args, months: list[tuple[str, str]], staff, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = months
        self.fields["responsible"].queryset = staff
        if self.instance.pk:
            self.initial["month"] = self.instance.month.isoformat()


class ItemDoneForm(forms.Form):
    done_on = forms.DateField(label=_("落实日期"), widget=DATE_INPUT)
    done_note = forms.CharField(
        label=_("落实情况"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("做了什么、产出放在哪里（例如：普查名单已交教务处）。"),
    )


class ItemVoidForm(forms.Form):
    void_reason = forms.CharField(label=_("作废原因"), max_length=200)
