"""Helpers that every app's forms and views share."""

import html

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
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


def bootstrap_field(field: forms.BoundField) -> str:
    """A field as crispy-forms' bootstrap5 `as_crispy_field` writes it (the same elements,
    attributes and text; each run of whitespace between them one space), by string formatting:
    crispy's field template and its includes cost ~2 ms a field, ~40 % of the record form's
    CPU. Widgets it does not cover (choices as radios or checkboxes, several inputs, fieldsets,
    hidden) and forms with a crispy helper go to crispy itself."""
    widget = field.field.widget
    if (
        field.is_hidden
        or getattr(field.form, "helper", None) is not None
        or field.use_fieldset
        or isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple | forms.MultiWidget)
        or hasattr(widget, "widget")
    ):
        return as_crispy_field(field)
    errors = field.errors
    required = field.field.required
    css = field.css_classes()
    label = _html(field.label) if field.label else ""
    asterisk = '<span class="asteriskField">*</span>' if required else ""
    if isinstance(widget, forms.CheckboxInput):
        _add_classes(widget, "form-check-input is-invalid" if errors else "form-check-input")
        wrapper = "form-check" + (f" {css}" if css else "")
        return (
            f'<div class="mb-3"> <div id="div_{field.auto_id}" class="{wrapper}"> {field} '
            f'<label for="{field.id_for_label}" class="form-check-label'
            f'{" requiredField" if required else ""}"> {label}{asterisk} </label> '
            f"{_errors_and_help(field)} </div> </div>"
        )
    parts = [f'<div id="div_{field.auto_id}" class="mb-3{f" {css}" if css else ""}">']
    if field.label:
        label_for = f'for="{field.id_for_label}" ' if field.id_for_label else ""
        parts.append(
            f'<label {label_for}class="form-label{" requiredField" if required else ""}"> '
            f"{label}{asterisk} </label>"
        )
    if isinstance(widget, forms.FileInput):
        parts.append(_file_inputs(field))
    else:
        kind = "form-select" if isinstance(widget, forms.Select) else "form-control"
        _add_classes(widget, f"{kind} is-invalid" if errors else kind)
        parts.append(f"{field} {_errors_and_help(field)}")
    parts.append("</div>")
    return " ".join(parts)


def _add_classes(widget: forms.Widget, classes: str) -> None:
    """The classes crispy's {% crispy_field %} adds to a widget: its own name, then these."""
    own = type(widget).__name__.lower()
    current = widget.attrs.get("class", "")
    current = (f"{current} {own}" if own not in current else current) if current else own
    for name in classes.split():
        if name not in current.split():
            current += " " + name
    widget.attrs["class"] = current


def _errors_and_help(field: forms.BoundField) -> str:
    """crispy's help_text_and_errors.html: the errors as a block, then the help text."""
    parts = []
    if field.errors:
        errors = " ".join(
            f'<p id="error_{number}_{field.auto_id}"><strong>{_html(error)}</strong></p>'
            for number, error in enumerate(field.errors, 1)
        )
        parts.append(
            f'<div id="{field.errors.field_id}_error" class="invalid-feedback"> {errors} </div>'
        )
    if field.help_text:
        helptext_id = f'id="{field.auto_id}_helptext" ' if field.auto_id else ""
        parts.append(f'<div {helptext_id}class="form-text">{field.help_text}</div>')
    return " ".join(parts)


def _file_inputs(field: forms.BoundField) -> str:
    """crispy's field_file.html for a file input without a current file (a new record's)."""
    parts = []
    for subwidget in field.subwidgets:
        data = subwidget.data
        if data.get("is_initial"):
            return as_crispy_field(field)
        own = data["attrs"].get("class")
        invalid = " is-invalid" if field.errors else ""
        attrs = "".join(
            f" {name}" if value is True else f' {name}="{html.escape(str(value))}"'
            for name, value in data["attrs"].items()
            if value is not False and name != "class"
        )
        wrapper = ' class="is-invalid"' if field.errors else ""
        parts.append(
            f'<div{wrapper}> <input type="{html.escape(data["type"])}" '
            f'name="{html.escape(data["name"])}" '
            f'class="form-control{f" {_html(own)}" if own else ""}{invalid}"'
            f"{' disabled' if field.field.disabled else ''}{attrs}> "
            f"{_errors_and_help(field)} </div>"
        )
    return " ".join(parts)
