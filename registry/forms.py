"""Forms of the registry: the archive in four parts, the list filters, the access-log filters."""

import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from import_export.forms import ImportForm

from caresys.lib.forms import DATE_INPUT, QuickSelect
from caresys.lib.identity import (
    id_birth_date,
    id_gender,
    mask_id_number,
    normalize_id_number,
    normalize_phone,
)
from registry.models import (
    CARE_CATEGORY_FIELDS,
    NUMBER_FOR_THE_REGISTRAR,
    AccessLog,
    CensusRound,
    Consent,
    Guardian,
    Parent,
    Pupil,
    School,
    SchoolClass,
    User,
    class_name,
)
from registry.selectors import CATEGORY_CHOICES, LEFT_BEHIND_FILTERS
from registry.services import GUARDIAN_FIELDS, NATIONAL_FIELDS, PARENT_FIELDS, PUPIL_FIELDS
from registry.spreadsheets import planning, reading


def _halfwidth(value: str) -> str:
    return "".join(
        chr(ord(char) - 0xFEE0) if "！" <= char <= "～" else char for char in value or ""
    )


class PupilForm(forms.ModelForm):
    left_behind_since = forms.DateField(
        label=_("留守情况变更日期"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("留守情况有变化时填写（如父母外出或返乡的日期），默认为今天。"),
    )

    class Meta:
        model = Pupil
        fields = PUPIL_FIELDS
        widgets = {"birth_date": DATE_INPUT}

    def __init__(self, *args, classes, hide_ids: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["school_class"].required = True
        self.fields["gender"].choices = Pupil.Gender.choices
        # 就学情况 is 在校 for a pupil at school unless someone says otherwise.
        self.fields["schooling"].required = False
        # Editors who may not read a full ID number can still correct it without seeing it.
        self.hide_ids = hide_ids
        self.kept_ids: dict[str, str] = {}
        # Numbers typed that another pupil has: the refusal does not say whose, the access log does.
        self.taken_numbers: list[str] = []
        for name in ("id_number", "student_number") if hide_ids else ():
            current = getattr(self.instance, name)
            if current:
                self.kept_ids[name] = current
                self.initial[name] = ""
                self.fields[name].widget.attrs["placeholder"] = mask_id_number(current)
                self.fields[name].help_text = _(
                    "为保护隐私不显示完整号码。如需更正，请输入完整的新号码；留空则保持不变。"
                )

    def basic_fields(self) -> list:
        return [field for field in self.visible_fields() if field.name not in NATIONAL_FIELDS]

    def national_fields(self) -> list:
        return [self[name] for name in NATIONAL_FIELDS]

    def _post_clean(self) -> None:
        super()._post_clean()
        if not self.hide_ids:
            return
        for name in ("id_number", "student_number"):
            errors = self._errors.get(name)
            if errors and any(error.code == "duplicate" for error in errors.as_data()):
                errors.data = [ValidationError(NUMBER_FOR_THE_REGISTRAR, code="registrar")]
                self.taken_numbers.append(getattr(self.instance, name))

    def clean_id_number(self) -> str:
        number = normalize_id_number(_halfwidth(self.cleaned_data.get("id_number", "")))
        return number or self.kept_ids.get("id_number", "")

    def clean_committee_phone(self) -> str:
        return _clean_phone(self, "committee_phone")

    def clean_schooling(self) -> str:
        return self.cleaned_data.get("schooling") or Pupil.Schooling.IN_SCHOOL

    def clean_student_number(self) -> str:
        number = _halfwidth(self.cleaned_data.get("student_number", "")).strip()
        return number or self.kept_ids.get("student_number", "")

    def clean(self) -> dict:
        cleaned = super().clean()
        number = cleaned.get("id_number")
        # A date of birth left empty is taken from a valid ID number rather than asked twice.
        if number and len(number) == 18 and not cleaned.get("birth_date"):
            cleaned["birth_date"] = id_birth_date(number)
        if number and len(number) == 18 and number[16].isdigit() and not cleaned.get("gender"):
            cleaned["gender"] = id_gender(number)
        return cleaned

    def archive_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in PUPIL_FIELDS}


def _hide_id_number(form: forms.ModelForm) -> None:
    """Like the pupil's: an editor who may not read a parent's or guardian's full ID number can
    correct it without seeing it (the current number is kept when the field is left empty)."""
    current = form.instance.id_number
    if current:
        form.kept_id = current
        form.initial["id_number"] = ""
        form.fields["id_number"].widget.attrs["placeholder"] = mask_id_number(current)
        form.fields["id_number"].help_text = _(
            "为保护隐私不显示完整号码。如需更正，请输入完整的新号码；留空则保持不变。"
        )


def _clean_id_number(form: forms.ModelForm) -> str:
    number = normalize_id_number(_halfwidth(form.cleaned_data.get("id_number", "")))
    return number or getattr(form, "kept_id", "")


def _clean_phone(form: forms.Form, name: str) -> str:
    """Phones arrive with spaces and full-width digits; store them plainly."""
    return normalize_phone(_halfwidth(form.cleaned_data.get(name, "")))


class ParentForm(forms.ModelForm):
    class Meta:
        model = Parent
        fields = PARENT_FIELDS
        widgets = {"away_since": DATE_INPUT, "birth_date": DATE_INPUT}
        labels = {"cannot_guard": _("另一方外出时，该家长无监护能力")}

    def __init__(self, *args, hide_ids: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hide_ids:
            _hide_id_number(self)

    def clean_id_number(self) -> str:
        return _clean_id_number(self)

    def clean_phone(self) -> str:
        return _clean_phone(self, "phone")

    def clean_work_unit_phone(self) -> str:
        return _clean_phone(self, "work_unit_phone")

    def archive_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in PARENT_FIELDS}


class GuardianForm(forms.ModelForm):
    class Meta:
        model = Guardian
        fields = GUARDIAN_FIELDS
        widgets = {"letter_signed_on": DATE_INPUT, "birth_date": DATE_INPUT}
        help_texts = {"birth_year": _("填写出生日期或身份证号后按其自动填写。")}

    def __init__(self, *args, hide_ids: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if hide_ids:
            _hide_id_number(self)

    def clean_id_number(self) -> str:
        return _clean_id_number(self)

    def clean_phone(self) -> str:
        return _clean_phone(self, "phone")

    def archive_data(self) -> dict:
        return {field: self.cleaned_data[field] for field in GUARDIAN_FIELDS}


class ConsentForm(forms.ModelForm):
    """A guardian's consent, as the signed form (知情同意书) says it."""

    class Meta:
        model = Consent
        fields = ["purpose", "given_by", "given_by_relation", "given_on", "note"]
        widgets = {"given_on": DATE_INPUT}


class ConsentWithdrawForm(forms.Form):
    consent = forms.ModelChoiceField(label=_("撤回的同意"), queryset=Consent.objects.none())
    withdrawn_on = forms.DateField(label=_("撤回日期"), widget=DATE_INPUT)

    def __init__(self, *args, pupil: Pupil, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["consent"].queryset = Consent.objects.in_force().filter(pupil=pupil)
        self.fields["consent"].label_from_instance = lambda consent: consent.get_purpose_display()


class SchoolForm(forms.ModelForm):
    """The school's settings page (系统设置 → 学校): the care categories as checkboxes."""

    care_categories = forms.MultipleChoiceField(
        label=School._meta.get_field("care_categories").verbose_name,
        help_text=School._meta.get_field("care_categories").help_text,
        choices=[(key, label) for key, label in CATEGORY_CHOICES if key in CARE_CATEGORY_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = School
        fields = [
            "name",
            "address",
            "phone",
            "leaver_retention_years",
            "idle_timeout_minutes",
            "care_categories",
        ]

    def clean_care_categories(self) -> list[str]:
        chosen = set(self.cleaned_data["care_categories"])
        return [field for field in CARE_CATEGORY_FIELDS if field in chosen]


class _ClassChoices(forms.models.ModelChoiceIterator):
    """A class select's options read as (pk, grade, number) rows, named as SchoolClass names
    itself, without building a SchoolClass each: a large school's filters list 444."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        language = get_language()
        for pk, grade, number in self.queryset.values_list("pk", "grade", "number"):
            yield (
                forms.models.ModelChoiceIteratorValue(pk, None),
                class_name(grade, number, language),
            )


class ClassChoiceField(forms.ModelChoiceField):
    """A filter's choice of class (its queryset set by the form: the classes offered)."""

    iterator = _ClassChoices


class PupilFilterForm(forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("姓名、拼音或首字母")}),
    )
    grade = forms.TypedChoiceField(label=_("年级"), required=False, coerce=int, empty_value=None)
    school_class = ClassChoiceField(
        label=_("班级"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=QuickSelect,  # a large school has hundreds of classes
    )
    left_behind = forms.ChoiceField(
        label=_("留守情况"), required=False, choices=[("", _("全部学生")), *LEFT_BEHIND_FILTERS]
    )
    category = forms.ChoiceField(
        label=_("类别"), required=False, choices=[("", _("全部")), *CATEGORY_CHOICES]
    )
    guardianship_type = forms.ChoiceField(
        label=_("监护类型"),
        required=False,
        choices=[("", _("全部")), *Pupil.Guardianship.choices],
    )
    status = forms.ChoiceField(label=_("在校状态"), required=False, choices=Pupil.Status.choices)
    gender = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("全部")), *Pupil.Gender.choices]
    )
    boarding = forms.ChoiceField(
        label=_("寄宿"),
        required=False,
        choices=[("", _("全部")), ("yes", _("寄宿生")), ("no", _("走读生"))],
    )
    incomplete = forms.BooleanField(label=_("只看档案不完整"), required=False)
    no_consent = forms.BooleanField(label=_("未登记知情同意"), required=False)

    def __init__(self, *args, classes, by_number: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if by_number:  # the registrar also finds a pupil by 学籍号 or the end of the ID number
            self.fields["q"].widget.attrs["placeholder"] = _("姓名、拼音、首字母或学籍号")
        self.fields["school_class"].queryset = classes
        grades = sorted(set(classes.values_list("grade", flat=True)))
        grade_names = dict(SchoolClass._meta.get_field("grade").choices)
        self.fields["grade"].choices = [("", _("全部"))] + [
            (grade, grade_names[grade]) for grade in grades
        ]


class AccessLogFilterForm(forms.Form):
    pupil = forms.CharField(label=_("学生姓名"), required=False)
    # Bounded like the primary key it filters on: a larger number cannot reach the database.
    pupil_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )
    actor = forms.ModelChoiceField(label=_("操作人"), queryset=User.objects.none(), required=False)
    action = forms.ChoiceField(
        label=_("操作"), required=False, choices=[("", _("全部")), *AccessLog.Action.choices]
    )
    date_from = forms.DateField(label=_("从"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=_("到"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, school, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["actor"].queryset = User.objects.filter(school=school)
        self.fields["actor"].empty_label = _("全部")
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = f"{css} form-control-sm"


class SignInForm(AuthenticationForm):
    """Django's sign-in form and the choice to stay signed in on one's own device."""

    remember = forms.BooleanField(label=_("这是我自己的设备，保持登录"), required=False)


REVEALABLE = {
    "pupil.id_number",
    "pupil.student_number",
    "father.phone",
    "father.work_unit_phone",
    "mother.phone",
    "mother.work_unit_phone",
    "guardian.phone",
    "father.id_number",
    "mother.id_number",
    "guardian.id_number",
}


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(key, key) for key in sorted(REVEALABLE)])


class ExportReasonForm(forms.Form):
    """Why the administrator needs the full ID numbers and phones; it goes into the access log."""

    reason = forms.CharField(
        label=_("导出理由"),
        max_length=150,
        widget=forms.Textarea(
            attrs={"rows": 2, "placeholder": _("如：报送教育办留守儿童信息核对")}
        ),
        error_messages={"required": _("请填写导出完整号码的理由。")},
    )


class RosterUploadForm(forms.Form):
    """A roster to import, read once here so that a file the import cannot use is refused now."""

    file = forms.FileField(
        label=_("名册文件"),
        widget=forms.FileInput(attrs={"accept": ".xlsx,.csv"}),
        error_messages={"required": _("请选择要导入的文件。"), "empty": _("文件是空的。")},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        reading.check_name(upload.name)
        reading.check_size(upload.size)
        table = reading.read_table(upload, upload.name)
        planning.column_layout(table.headers)
        return upload


def census_name_for(day: datetime.date) -> str:
    """The usual name of a round opened that day: the autumn term from August to January."""
    autumn = day.month >= 8 or day.month == 1
    year = day.year - 1 if day.month == 1 else day.year
    return _("%(year)d年%(term)s学期留守儿童摸底") % {
        "year": year,
        "term": _("秋季") if autumn else _("春季"),
    }


class CensusRoundForm(forms.ModelForm):
    class Meta:
        model = CensusRound
        fields = ["name", "closes_on"]
        widgets = {"closes_on": DATE_INPUT}


class CensusConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("说明（可不填）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：李芳母亲已返乡，档案已修改")}),
    )


class CensusCloseForm(forms.Form):
    force = forms.BooleanField(
        label=_("仍要结束（未确认的班级按现有档案计入结果）"), required=False
    )


class StaffImportForm(ImportForm):
    """The staff list to import: its format is read from the file's name, not asked for."""

    def __init__(self, formats, resources, **kwargs) -> None:
        super().__init__(formats, resources, **kwargs)
        self.suffixes = [format_class.suffix for format_class in formats]
        upload = self.fields["import_file"]
        upload.label = _("教职工名册文件（.xlsx 或 .csv）")
        upload.widget = forms.FileInput(attrs={"accept": ".xlsx,.csv"})
        upload.error_messages = {"required": _("请选择要导入的文件。"), "empty": _("文件是空的。")}
        self.fields["format"].required = False
        self.fields["format"].widget = forms.HiddenInput()

    @property
    def media(self) -> forms.Media:
        return forms.Media()  # no format to guess, so no script

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("import_file")
        if upload is not None:
            try:
                suffix = reading.check_name(upload.name)
                reading.check_size(upload.size)
            except ValidationError as error:
                self.add_error("import_file", error)
            else:
                cleaned["format"] = str(self.suffixes.index(suffix))
        return cleaned
