"""Helpers that every app's forms and views share."""

from django import forms
from django.core.exceptions import ValidationError

# A date picker on phones and computers alike; the ISO value is what <input type=date> takes.
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """A service's errors beside the fields they concern (the rest above the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)
