from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from reminders.models import ReminderSettings


class ChannelsForm(forms.Form):
    """通知设置: in the application always; e-mail and the school's group as the person chooses."""

    email = forms.EmailField(label=_("电子邮箱"), required=False)
    by_email = forms.BooleanField(label=_("发邮件给我"), required=False)
    by_robot = forms.BooleanField(
        label=_("发到学校的工作群（企业微信或钉钉）"),
        required=False,
        help_text=_("群里的消息只说有几项工作需要您，不写孩子的姓名。"),
    )

    def __init__(self, *args, robot_configured: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.robot_configured = robot_configured
        if not robot_configured:
            self.fields["by_robot"].disabled = True
            self.fields["by_robot"].help_text = _("学校尚未设置工作群机器人，请联系管理员。")

    def clean(self):
        data = super().clean()
        if data.get("by_email") and not data.get("email"):
            self.add_error("email", _("要收邮件，请填写电子邮箱。"))
        return data


def _https_by_default(field, **kwargs):
    """A robot's address typed without its scheme is an https one."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)


class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        formfield_callback = _https_by_default
        fields = ["robot", "webhook_url", "digest_weekday", "due_within_days"]
