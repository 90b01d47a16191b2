from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT, MultipleFileField
from events.models import Event, EventQuota
from registry.models import Pupil, SchoolClass, User


class _ChildrenField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pupil: Pupil) -> str:
        return f"{pupil.name}（{pupil.school_class.name}）" if pupil.school_class else pupil.name


class _StaffField(forms.ModelChoiceField):
    def label_from_instance(self, user: User) -> str:
        return user.full_name or user.username


class EventPhotosForm(forms.Form):
    """Photos of an event, and the uploader's word that children without consent are not in
    them (asked only when the event has such children)."""

    photos = MultipleFileField(
        accept="image/jpeg,image/png",
        label=_("活动照片"),
        required=False,
        help_text=_("可选。JPG 或 PNG，每张不超过 10 MB，每次活动最多 12 张。"),
    )
    photos_confirmed = forms.BooleanField(label=_("照片中没有以上儿童"), required=False)


class EventForm(EventPhotosForm, forms.ModelForm):
    """An event; its children are those of its class, grade or the school, all ticked at first."""

    school_class = forms.ModelChoiceField(
        label=_("班级"), queryset=SchoolClass.objects.none(), required=False,
        empty_label=_("（不限班级）"),
    )  # fmt: skip
    led_by = _StaffField(label=_("主持人"), queryset=User.objects.none())
    pupils = _ChildrenField(label=_("参加的儿童"), queryset=Pupil.objects.none(), required=False)

    class Meta:
        model = Event
        fields = [
            "kind", "name", "occurred_on", "grade", "school_class", "place", "led_by", "content",
            "pupils", "guardians", "guardian_names", "letters_signed", "photos", "photos_confirmed",
        ]  # fmt: skip
        widgets = {
            "occurred_on": DATE_INPUT,
            "content": forms.Textarea(attrs={"rows": 3}),
            "guardians": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
            "letters_signed": forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
        }
        help_texts = {
            "guardian_names": _("可不填；多人用顿号分开。"),
            "letters_signed": _("家长会、安全教育、家长学校上与监护人签订的安全/监护责任书份数。"),
        }

    def __init__(self, *args, classes, staff, children, whole_school: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["led_by"].queryset = staff
        self.fields["pupils"].queryset = children
        self.fields["grade"].help_text = _("不选年级和班级即为全校活动。")
        self.fields["letters_signed"].required = False  # empty: none signed
        if not whole_school:
            # A class teacher holds events for their own class.
            del self.fields["grade"]
            self.fields["school_class"].required = True
            self.fields["school_class"].empty_label = None

    def clean_letters_signed(self) -> int:
        return self.cleaned_data.get("letters_signed") or 0


class EventVoidForm(forms.Form):
    void_reason = forms.CharField(label=_("作废原因"), max_length=200)


class PhotoVoidForm(forms.Form):
    void_reason = forms.CharField(label=_("作废原因"), max_length=200)


class QuotasForm(forms.Form):
    """Per kind of event: how many a term, and whether for the whole school or each class."""

    def __init__(self, *args, rules: dict[str, tuple[int, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.kinds = []
        for kind, label in Event.Kind.choices:
            count, per = rules.get(kind, (0, EventQuota.Per.CLASS))
            self.fields[f"{kind}_count"] = forms.IntegerField(
                label=_("%(kind)s每学期次数") % {"kind": label},
                min_value=0,
                max_value=20,
                initial=count,
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 20}),
            )
            self.fields[f"{kind}_per"] = forms.ChoiceField(
                label=_("%(kind)s计算范围") % {"kind": label},
                choices=EventQuota.Per.choices,
                initial=per,
            )
            self.kinds.append((label, self[f"{kind}_count"], self[f"{kind}_per"]))

    def rules(self) -> dict[str, tuple[int, str]]:
        data = self.cleaned_data
        return {kind: (data[f"{kind}_count"], data[f"{kind}_per"]) for kind in Event.Kind.values}
