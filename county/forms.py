"""The county's forms: the 评比's weights, the roll-up's texts, and the installation
registrar's township, school with its first administrator, and county reader."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from caresys.lib import grades as grade_text
from caresys.lib.forms import DATE_INPUT
from caresys.lib.periods import Period, SchoolYearDates, school_year_starting, usual_school_year
from county.models import AppraisalMeasure, RollupReport
from registry.models import Role, School, Township


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


class TownshipForm(forms.Form):
    name = forms.CharField(label=_("乡镇（学区）名称"), max_length=60)


class SchoolCreateForm(forms.Form):
    """A school, its calendar (proposed as setup_school proposes), classes and first admin."""

    name = forms.CharField(label=_("学校名称"), max_length=100)
    township = forms.ModelChoiceField(
        label=_("所属乡镇（学区）"), queryset=Township.objects.all(), required=False
    )
    kind = forms.ChoiceField(label=_("学校类型"), choices=School.Kind.choices)
    code = forms.CharField(label=_("学校标识码"), max_length=10, required=False)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    phone = forms.CharField(label=_("电话"), max_length=30, required=False)
    year_name = forms.CharField(label=_("学年"), max_length=40)
    year_start = forms.DateField(label=_("学年开始"), widget=DATE_INPUT)
    year_end = forms.DateField(label=_("学年结束"), widget=DATE_INPUT)
    term1_start = forms.DateField(label=_("第一学期开始"), widget=DATE_INPUT)
    term1_end = forms.DateField(label=_("第一学期结束"), widget=DATE_INPUT)
    term2_start = forms.DateField(label=_("第二学期开始"), widget=DATE_INPUT)
    term2_end = forms.DateField(label=_("第二学期结束"), widget=DATE_INPUT)
    grades = forms.CharField(
        label=_("年级"), initial="1-6", help_text=_("如 1-6（小学）、7-9（初中）、1-9")
    )
    classes = forms.CharField(
        label=_("每个年级的班数"), initial="1", help_text=_("一个数，或每个年级一个：2,2,1,1,1,1")
    )
    admin_username = forms.CharField(label=_("管理员账号"), max_length=150)
    admin_full_name = forms.CharField(label=_("管理员姓名"), max_length=40)
    admin_phone = forms.CharField(label=_("管理员手机号"), max_length=30, required=False)

    def __init__(self, *args, today: datetime.date | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        usual = usual_school_year(school_year_starting(today or timezone.localdate()))
        first, second = usual.terms
        self.initial |= {
            "year_name": usual.year.label,
            "year_start": usual.year.start,
            "year_end": usual.year.end,
            "term1_start": first.start,
            "term1_end": first.end,
            "term2_start": second.start,
            "term2_end": second.end,
            "kind": School.Kind.PRIMARY,
        }

    def clean(self) -> dict:
        data = super().clean()
        try:
            grade_list = grade_text.parse_grades(data.get("grades", ""))
        except ValueError as exc:
            self.add_error("grades", str(exc))
        else:
            try:
                data["class_counts"] = grade_text.parse_class_counts(
                    data.get("classes", ""), grade_list
                )
            except ValueError as exc:
                self.add_error("classes", str(exc))
        return data

    def service_arguments(self) -> dict:
        """What registry.services.school_create takes, from the cleaned form."""
        data = self.cleaned_data
        return {
            "name": data["name"],
            "township": data["township"],
            "kind": data["kind"],
            "code": data["code"],
            "address": data["address"],
            "phone": data["phone"],
            "calendar": SchoolYearDates(
                year=Period(data["year_start"], data["year_end"], data["year_name"].strip()),
                terms=(
                    Period(data["term1_start"], data["term1_end"]),
                    Period(data["term2_start"], data["term2_end"]),
                ),
            ),
            "classes": data["class_counts"],
            "admin_username": data["admin_username"],
            "admin_full_name": data["admin_full_name"],
            "admin_phone": data["admin_phone"],
        }


class CountyReaderForm(forms.Form):
    role = forms.ChoiceField(
        label=_("角色"),
        choices=[(Role.BUREAU, Role.BUREAU.label), (Role.TOWNSHIP, Role.TOWNSHIP.label)],
    )
    township = forms.ModelChoiceField(
        label=_("所属乡镇（学区）"),
        queryset=Township.objects.all(),
        required=False,
        help_text=_("中心学校（学区）的账号须选择"),
    )
    username = forms.CharField(label=_("账号"), max_length=150)
    full_name = forms.CharField(label=_("姓名"), max_length=40)
    phone = forms.CharField(label=_("手机号"), max_length=30, required=False)


# The service's field names that are the form's under another name.
SCHOOL_FIELD_FOR_ERROR = {
    "username": "admin_username",
    "full_name": "admin_full_name",
    "password": "admin_username",
    "terms": "term2_start",
    "start_date": "year_start",
    "end_date": "year_end",
    "school_year": "year_name",
}
