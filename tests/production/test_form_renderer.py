"""The form renderer writes the common widgets in Python, byte for byte as Django's templates
(issue 19: a template per widget was a fifth of the record form's CPU)."""

import datetime
import decimal

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from caresys.lib.renderers import QuickTemplates


class EveryKind(forms.Form):
    text = forms.CharField(max_length=20, help_text="帮助", initial='引号" & <尖括号>')
    empty = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "a'b"}))
    number = forms.DecimalField(initial=decimal.Decimal("1234.50"), disabled=True)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    email = forms.EmailField(required=False, widget=forms.EmailInput(attrs={"data-x": 0}))
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True), initial="p&w")
    search = forms.CharField(widget=forms.TextInput(attrs={"type": "search", "autofocus": True}))
    ticked = forms.BooleanField(initial=True)
    unticked = forms.BooleanField(required=False, widget=forms.CheckboxInput(attrs={"x": False}))
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), initial="第一行\n<b>二</b>")
    blank_note = forms.CharField(widget=forms.Textarea, required=False)
    kind = forms.ChoiceField(
        choices=[("", "—"), ("a", "甲 & 乙"), (3, 3), ("s", mark_safe("<i>安全</i>"))], initial=3
    )
    grouped = forms.ChoiceField(
        choices=[("一组", [("x", "X"), ("y", "Y")]), ("z", "Z"), ("二组", [("w", "W")])],
        initial="y",
    )
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], initial=["a", "b"])


@pytest.mark.parametrize("bound", [False, True], ids=["new", "sent back with errors"])
@pytest.mark.parametrize("name", list(EveryKind.base_fields))
def test_each_widget_is_written_as_djangos_template_writes_it(name, bound):
    data = {"text": "<>&\"'", "number": "x", "ticked": "on", "note": "", "kind": "a"}
    quick = EveryKind(data if bound else None, renderer=QuickTemplates())
    templates = EveryKind(data if bound else None, renderer=DjangoTemplates())

    written = str(quick[name])

    assert written == str(templates[name])
    assert written.startswith(("<input", "<textarea", "<select"))


def test_the_site_renders_its_forms_with_it():
    assert settings.FORM_RENDERER == "caresys.lib.renderers.QuickTemplates"


def test_widgets_it_does_not_write_are_left_to_the_templates():
    class Radios(forms.Form):
        choice = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)
        when = forms.SplitDateTimeField(initial=datetime.datetime(2026, 9, 1, 8, 0))

    assert str(Radios(renderer=QuickTemplates())) == str(Radios(renderer=DjangoTemplates()))
