"""The installation's settings for reading across schools: the 评比's measures and weights."""

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import User


class AppraisalMeasure(models.Model):
    """A measure of the 评比 between schools and its weight, chosen by the education bureau; a
    measure with no row weighs its default, one weighing 0 is left out."""

    class Key(models.TextChoices):
        ARCHIVES = "archives", _("档案完整率")
        COVERAGE = "coverage", _("结对覆盖率")
        CONTACTS = "contacts", _("生均关爱记录")
        VISITS = "visits", _("生均家访")
        ON_TIME = "on_time", _("五必访按时率")
        DROPOUTS = "dropouts", _("辍学（每千名学生）")

    # Measures that are already a percentage: their score is their value.
    RATES = frozenset({Key.ARCHIVES, Key.COVERAGE, Key.ON_TIME})
    DEFAULT_WEIGHTS = {
        Key.ARCHIVES: 15,
        Key.COVERAGE: 25,
        Key.CONTACTS: 15,
        Key.VISITS: 20,
        Key.ON_TIME: 15,
        Key.DROPOUTS: 10,
    }

    key = models.CharField(_("指标"), max_length=12, choices=Key.choices, unique=True)
    weight = models.PositiveSmallIntegerField(
        _("权重"), default=0, validators=[MaxValueValidator(100)]
    )
    updated_by = models.ForeignKey(
        User, on_delete=models.PROTECT, related_name="+", verbose_name=_("修改人")
    )
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("评比指标")
        verbose_name_plural = _("评比指标")
        ordering = ["key", "pk"]

    def __str__(self) -> str:
        return f"{self.get_key_display()} {self.weight}"
