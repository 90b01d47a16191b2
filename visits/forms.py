"""Forms of care records: written on a phone in a minute, nothing typed lost on an error."""

from django import forms
from django.utils.translation import gettext_lazy as _

from caresys.lib.forms import DATE_INPUT, MultipleFileField, QuickSelect
from registry.forms import ClassChoiceField
from registry.models import Pupil, SchoolClass, User
from visits.models import (
    CareRecord,
    CareSettings,
    DropoutAction,
    DropoutCase,
    Emergency,
    EmergencyStep,
    RecordAttachment,
    WatchEvent,
)


class _PupilsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, pupil: Pupil) -> str:
        mark = "" if pupil.left_behind == "none" else _("（留守）")
        return f"{pupil.name}{mark}"


class _ShownChoices(forms.models.ModelChoiceIterator):
    """The choices a picker lists (``field.shown``), while any of ``field.queryset`` is valid."""

    def __init__(self, field: forms.ModelChoiceField) -> None:
        super().__init__(field)
        if field.shown is not None:
            self.queryset = field.shown


class _PupilPickerField(_PupilsField):
    """Children ticked in a list that may show only some of those one may choose (the chosen,
    one's own and what a search found), so that thousands need not be sent to a phone."""

    iterator = _ShownChoices
    widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    shown = None

    def label_from_instance(self, pupil: Pupil) -> str:
        """The name, marked left-behind and paired with the writer (``paired`` annotated)."""
        mark = _("（结对）") if getattr(pupil, "paired", False) else ""
        return f"{super().label_from_instance(pupil)}{mark}"

    def show(self, shown) -> None:
        self.shown = shown
        self.widget.choices = self.choices


ATTACHMENT_TYPES = "image/jpeg,image/png,application/pdf"


class CareRecordForm(forms.ModelForm):
    pupils = _PupilPickerField(label=_("儿童"), queryset=Pupil.objects.none())
    files = MultipleFileField(
        accept=ATTACHMENT_TYPES,
        label=_("照片或扫描件"),
        required=False,
        help_text=_("可选。JPG、PNG 或 PDF，每个不超过 10 MB，最多 6 个。"),
    )

    class Meta:
        model = CareRecord
        fields = ["pupils", *CareRecord.FILLED_IN]
        widgets = {
            "occurred_on": DATE_INPUT,
            "follow_up_by": DATE_INPUT,
            "content": forms.Textarea(attrs={"rows": 3}),
            "problems": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 2}),
            "presented": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 2}),
            "referred_on": DATE_INPUT,
            "next_session_on": DATE_INPUT,
        }

    def __init__(self, *args, pupils, shown, kinds, **kwargs) -> None:
        """``pupils``: every child one may choose; ``shown``: those the form lists."""
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils
        self.fields["pupils"].show(shown)
        self.fields["kind"].choices = kinds
        # The service validates the record it writes whole (record_create's full_clean, the
        # check constraints included) and its errors come back beside the fields; this
        # instance is never saved, and checking its constraints too cost three more queries
        # on every save.
        self.instance.validate_constraints = lambda exclude=None: None

    def clean(self) -> dict:
        return _counselling_asked(self, super().clean())

    def record_fields(self) -> dict:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("pupils", "files")
        }


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
            "watch_due_days",
            "phone_visits_answer_watch",
            "no_contact_days",
        ]


class AttachmentsForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("附件类型"),
        choices=RecordAttachment.Kind.choices,
        initial="photo",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    files = MultipleFileField(
        accept=ATTACHMENT_TYPES,
        label=_("照片或扫描件"),
        required=False,
        help_text=_("JPG、PNG 或 PDF，每个不超过 10 MB，每条记录最多 6 个。"),
    )


class RecordCorrectForm(forms.ModelForm):
    """A correction: everything but the kind and the children (a wrong one is voided)."""

    class Meta:
        model = CareRecord
        fields = [name for name in CareRecord.FILLED_IN if name != "kind"]
        widgets = CareRecordForm.Meta.widgets

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.kind != CareRecord.Kind.COUNSELLING:
            for name in CareRecord.COUNSELLING_FIELDS:
                del self.fields[name]

    def clean(self) -> dict:
        return _counselling_asked(self, super().clean(), kind=self.instance.kind)


def _counselling_asked(form: forms.ModelForm, data: dict, kind: str | None = None) -> dict:
    """A counselling record written on the form says what was presented and the risk level
    (records written by other means, before these fields, may lack them)."""
    if (kind or data.get("kind")) == CareRecord.Kind.COUNSELLING:
        for name, message in (
            ("presented", _("请填写主诉和表现。")),
            ("risk_level", _("请选择风险等级。")),
        ):
            if not data.get(name) and name not in form.errors:
                form.add_error(name, message)
    return data


class RecordVoidForm(forms.Form):
    void_reason = forms.CharField(label=_("作废原因"), max_length=200)


DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class EmergencyForm(forms.ModelForm):
    pupils = _PupilsField(label=_("涉及的儿童"), queryset=Pupil.objects.none())

    class Meta:
        model = Emergency
        fields = ["kind", "occurred_at", "place", "pupils", "description"]
        widgets = {"occurred_at": DATETIME_INPUT, "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, pupils, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupils"].queryset = pupils


class EmergencyStepForm(forms.ModelForm):
    class Meta:
        model = EmergencyStep
        fields = ["step", "done_at", "persons", "note"]
        widgets = {"done_at": DATETIME_INPUT, "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, steps_left, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = steps_left


class MandatoryReportForm(forms.ModelForm):
    """强制报告: to whom, when, by whom, and the receipt (or how it was reported)."""

    class Meta:
        model = EmergencyStep
        fields = ["authorities", "done_at", "persons", "receipt", "note"]
        labels = {"done_at": _("报告时间"), "persons": _("报告人"), "note": _("说明")}
        help_texts = {"note": _("没有回执号的，写明报告方式（电话、当面）和接报人。")}
        widgets = {
            "authorities": forms.RadioSelect,
            "done_at": DATETIME_INPUT,
            "note": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The model's rules for the report (to whom; a receipt or a note) apply on the form.
        self.instance.step = EmergencyStep.Step.MANDATORY
        self.fields["authorities"].required = True
        self.fields["authorities"].error_messages["required"] = _(
            "请选择报告给公安还是民政（或两者）。"
        )
        self.fields["authorities"].choices = EmergencyStep.Authority.choices


class EmergencyCloseForm(forms.Form):
    outcome = forms.CharField(label=_("处理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    not_reported_reason = forms.CharField(
        label=_("未报告教育办和当地政府的原因"), max_length=200, required=False
    )


class DropoutCaseForm(forms.ModelForm):
    class Meta:
        model = DropoutCase
        fields = ["status", "opened_on", "reason"]
        widgets = {"opened_on": DATE_INPUT, "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, label) for value, label in DropoutCase.Status.choices
            if value in DropoutCase.OPEN
        ]  # fmt: skip


class DropoutActionForm(forms.ModelForm):
    class Meta:
        model = DropoutAction
        fields = ["kind", "done_on", "note", "status_after"]
        widgets = {"done_on": DATE_INPUT, "note": forms.Textarea(attrs={"rows": 2})}


class RecordFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类型"), required=False, choices=[("", _("全部")), *CareRecord.Kind.choices]
    )
    school_class = ClassChoiceField(
        label=_("班级"),
        queryset=SchoolClass.objects.none(),
        required=False,
        empty_label=_("全部"),
        widget=QuickSelect,
    )
    start = forms.DateField(label=_("从"), required=False, widget=DATE_INPUT)
    end = forms.DateField(label=_("到"), required=False, widget=DATE_INPUT)
    voided = forms.BooleanField(label=_("包括已作废"), required=False)
    # Set by links from the teachers' work table; shown as a removable filter, not a field.
    author = forms.ModelChoiceField(
        label=_("记录人"), queryset=User.objects.none(), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, classes, school_id: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["school_class"].queryset = classes
        self.fields["author"].queryset = User.objects.filter(school_id=school_id)
