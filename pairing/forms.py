"""Forms of the pairing app: a pair, its plan and checks, its end, the school's settings."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT
from pairing.models import HelpPlan, Pair, PairCheck, PairingSettings, Volunteer
from registry.models import GRADE_NAMES, Pupil, User


class _PupilChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, pupil: Pupil) -> str:
        return f"{pupil.school_class or _('未分班')} {pupil.name}"


class _TeacherChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, loads: dict[int, int] | None = None, **kwargs) -> None:
        self.loads = loads or {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, teacher: User) -> str:
        load = self.loads.get(teacher.pk)
        if load is None:
            return str(teacher)
        return _("%(name)s（已结对%(n)d名）") % {"name": teacher, "n": load}


class PairForm(forms.Form):
    """A new pair: the child, the kind, and the one partner that kind needs."""

    pupil = _PupilChoiceField(label=_("留守儿童"), queryset=Pupil.objects.none())
    kind = forms.ChoiceField(
        label=_("结对类型"), choices=Pair.Kind.choices, initial=Pair.Kind.TEACHER
    )
    teacher = _TeacherChoiceField(label=_("帮扶教师"), queryset=User.objects.none(), required=False)
    buddy = _PupilChoiceField(label=_("学生伙伴"), queryset=Pupil.objects.none(), required=False)
    volunteer = forms.ModelChoiceField(
        label=_("志愿者"), queryset=Volunteer.objects.none(), required=False
    )
    started_on = forms.DateField(
        label=_("结对日期"),
        initial=timezone.localdate,
        widget=DATE_INPUT,
    )

    def __init__(self, *args, children, teachers, loads, pupils, volunteers, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = children
        self.fields["teacher"].queryset = teachers
        self.fields["teacher"].loads = loads
        self.fields["buddy"].queryset = pupils
        self.fields["volunteer"].queryset = volunteers

    def clean(self) -> dict:
        data = super().clean()
        partner = {
            Pair.Kind.TEACHER: "teacher",
            Pair.Kind.BUDDY: "buddy",
            Pair.Kind.VOLUNTEER: "volunteer",
        }.get(data.get("kind"))
        if partner and not data.get(partner):
            self.add_error(partner, _("请选择%(who)s。") % {"who": self.fields[partner].label})
        for other in {"teacher", "buddy", "volunteer"} - {partner}:
            data[other] = None
        if data.get("started_on") and data["started_on"] > timezone.localdate():
            self.add_error("started_on", _("结对日期不能晚于今天。"))
        return data


class HelpPlanForm(forms.ModelForm):
    class Meta:
        model = HelpPlan
        fields = ["goals", "content", "schedule"]
        widgets = {
            "goals": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("如：养成按时完成作业的习惯，数学成绩达到中等")}
            ),
            "content": forms.Textarea(
                attrs={"rows": 3, "placeholder": _("如：每周谈心一次，辅导数学，联系父母通话")}
            ),
            "schedule": forms.Textarea(
                attrs={"rows": 2, "placeholder": _("如：每周三课后；每月第一周家访")}
            ),
        }


class PairCheckForm(forms.ModelForm):
    class Meta:
        model = PairCheck
        fields = ["checked_on", "progress", "problems", "next_steps"]
        widgets = {
            "checked_on": DATE_INPUT,
            "progress": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "next_steps": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, pair: Pair, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.instance.pair = pair
        self.fields["checked_on"].initial = timezone.localdate


class PairEndForm(forms.Form):
    reason = forms.ChoiceField(label=_("结束原因"), choices=Pair.EndReason.choices)
    ended_on = forms.DateField(
        label=_("结束日期"),
        initial=timezone.localdate,
        widget=DATE_INPUT,
    )
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class PairingSettingsForm(forms.ModelForm):
    class Meta:
        model = PairingSettings
        fields = [
            "coverage_target",
            "max_children_per_teacher",
            "buddy_required",
            "idle_days",
        ]


class VolunteerForm(forms.ModelForm):
    class Meta:
        model = Volunteer
        fields = ["name", "kind", "organisation", "phone"]


# --- leaving and the year's end ---


class TeacherLeaveForm(forms.Form):
    """A replacement for each of the leaving teacher's children (blank: pair later).

    The teachers are read once and offered in every row, so the page costs the same queries
    for one child as for many.
    """

    deactivate = forms.BooleanField(label=_("同时停用该教师账号"), required=False)

    def __init__(
        self, *args, pairs: list[Pair], teachers: list[User], loads: dict[int, int], **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.pairs = pairs
        self.teachers = {teacher.pk: teacher for teacher in teachers}
        choices = [("", _("暂不分配（列入未结对名单）"))] + [
            (
                teacher.pk,
                _("%(name)s（已结对%(n)d名）") % {"name": teacher, "n": loads.get(teacher.pk, 0)},
            )
            for teacher in teachers
        ]
        for pair in pairs:
            self.fields[f"pair_{pair.pk}"] = forms.TypedChoiceField(
                label=f"{pair.pupil.school_class or ''} {pair.pupil.name}",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def reassignments(self) -> dict[int, User | None]:
        chosen = {pair.pk: self.cleaned_data.get(f"pair_{pair.pk}") for pair in self.pairs}
        return {pk: self.teachers.get(teacher) for pk, teacher in chosen.items()}

    def pair_fields(self):
        return [(pair, self[f"pair_{pair.pk}"]) for pair in self.pairs]


class PupilLeaveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("离校类型"),
        choices=[
            (Pupil.Status.LEFT, Pupil.Status.LEFT.label),
            (Pupil.Status.GRADUATED, Pupil.Status.GRADUATED.label),
        ],
    )
    note = forms.CharField(
        label=_("说明"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：转学至县实验小学")}),
    )


class YearEndForm(forms.Form):
    """Which grade leaves, what becomes of the pairs, and each class's next head teacher."""

    top_grade = forms.TypedChoiceField(label=_("毕业年级"), coerce=int)
    keep_pairs = forms.TypedChoiceField(
        label=_("结对"),
        choices=[("1", _("保留现有结对")), ("0", _("全部结束（学年结束）"))],
        coerce=lambda value: value == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("我已核对，执行学年升级"),
        error_messages={"required": _("请勾选确认后再执行。")},
    )

    def __init__(self, *args, classes, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        grades = sorted({school_class.grade for school_class in classes})
        self.fields["top_grade"].choices = [(grade, GRADE_NAMES[grade]) for grade in grades]
        self.fields["top_grade"].initial = grades[-1] if grades else None
        self.classes = classes
        self.teachers = {teacher.pk: teacher for teacher in teachers}
        choices = [("", "---------")] + [(teacher.pk, str(teacher)) for teacher in teachers]
        for school_class in classes:
            self.fields[f"head_{school_class.pk}"] = forms.TypedChoiceField(
                label=str(school_class),
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=school_class.head_teacher_id,
            )

    def head_teachers(self) -> dict[int, User | None]:
        """Each class's chosen head teacher (None: none yet)."""
        return {
            c.pk: self.teachers.get(self.cleaned_data.get(f"head_{c.pk}")) for c in self.classes
        }

    def class_fields(self):
        return [(c, self[f"head_{c.pk}"]) for c in self.classes]
