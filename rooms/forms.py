from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from registry.models import User
from rooms.models import Room, Slot, Use


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "kind", "place"]


class SlotForm(forms.ModelForm):
    on_duty = forms.ModelMultipleChoiceField(
        label=_("值班教师"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("每次开放须有两名教师在场。"),
    )

    class Meta:
        model = Slot
        fields = ["weekday", "starts_at", "ends_at"]
        widgets = {
            "starts_at": forms.TimeInput(attrs={"type": "time"}),
            "ends_at": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args, school_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(school_id=school_id, is_active=True)
        self.fields["on_duty"].queryset = staff.order_by("full_name", "username")


class SlotStopForm(forms.ModelForm):
    class Meta:
        model = Slot
        fields = ["stopped_from"]
        widgets = {"stopped_from": DATE_INPUT}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stopped_from"].required = True


class UseForm(forms.Form):
    """A child's call or video: the child found by typing part of a name, then picked."""

    q = forms.CharField(
        label=_("儿童"),
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": _("输入姓名、拼音或首字母"), "autocomplete": "off"}
        ),
    )
    mode = forms.ChoiceField(
        label=_("方式"),
        choices=Use.Mode.choices,
        initial=Use.Mode.VIDEO,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    with_whom = forms.ChoiceField(
        label=_("与谁"),
        choices=Use.WithWhom.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
    )
    minutes = forms.IntegerField(
        label=_("时长（分钟）"),
        min_value=1,
        max_value=180,
        initial=10,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class VoidForm(forms.Form):
    void_reason = forms.CharField(label=_("作废原因"), max_length=200)
