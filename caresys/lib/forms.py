"""Helpers that every app's forms and views share."""

import html

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

# A date picker on phones and computers alike; the ISO value is what <input type=date> takes.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented recipe); an empty list when none."""

    def __init__(self, *, accept: str, **kwargs) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": accept, "class": "form-control"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None) -> list:
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's errors beside the fields they concern (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def _html(value) -> str:
    """conditional_escape without its lazy-string wrapper: called for each of hundreds of
    options, where the wrapper's checks cost more than the escaping."""
    return value.__html__() if hasattr(value, "__html__") else html.escape(str(value))


def option_tag(value, label, *, selected: bool) -> str:
    """One <option>, its value and label escaped as format_html escapes them, by plain string
    formatting: a large school's class filters write 444 of them."""
    selected_attr = " selected" if selected else ""
    return f'<option value="{html.escape(str(value))}"{selected_attr}>{_html(label)}</option>'


class QuickSelect(forms.Select):
    """A <select> whose options are written here, not by a template or an option dict and
    format_html each: forms.Select's HTML (its attributes in flatatt's order) for a list as
    long as a large school's 444 classes, where those cost ~100 ms and ~40 ms a page."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = self.format_value(value)
        found = False  # one option selected, as Select.optgroups marks it

        def options(choices) -> str:
            nonlocal found
            parts = []
            for option_value, label in choices:
                option_value = str(option_value)
                selected = not found and option_value in chosen
                found |= selected
                parts.append(option_tag(option_value, label, selected=selected))
            return "".join(parts)

        parts = []
        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{_html(option_value)}">{options(label)}</optgroup>')
            else:
                parts.append(options([("" if option_value is None else option_value, label)]))
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe("".join(parts)),  # every value and label escaped above
        )
