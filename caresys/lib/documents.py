"""What the schools' term summaries (reports.TermReportVersion) and the roll-ups across schools
(county.RollupVersion) keep of each PDF they generate: one abstract model, so the two keep the
same record the same way. Plain Django: no app's models are imported here (the layers' lowest)."""

import hashlib
from typing import Any, Self

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class GeneratedVersion(models.Model):
    """A generated PDF with the figures and texts it printed; never changed afterwards. A
    subclass adds `report` (a foreign key, related_name "versions") and its own `pdf` field
    where its files go (upload_to), and names its constraint on (report, number)."""

    number = models.PositiveIntegerField(_("版本"))
    numbers = models.JSONField(_("数据"))
    texts = models.JSONField(_("文字"))
    pdf = models.FileField(_("PDF"), max_length=200)
    pages = models.PositiveSmallIntegerField(_("页数"))
    sha256 = models.CharField(_("校验值"), max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("生成人"),
    )
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.report} v{self.number}"

    @classmethod
    def next_of(
        cls,
        *,
        report: models.Model,
        pdf: bytes,
        pages: int,
        numbers: dict[str, Any],
        texts: dict[str, Any],
        actor: models.Model,
        filename: str,
    ) -> Self:
        """The report's next version (unsaved, validated by the caller), its PDF file written
        under `filename` with "%(number)s" for the version's number. A query: the last
        number (the caller holds the report's row locked)."""
        number = (report.versions.aggregate(last=Max("number"))["last"] or 0) + 1
        version = cls(
            report=report,
            number=number,
            numbers=numbers,
            texts=texts,
            pages=pages,
            sha256=hashlib.sha256(pdf).hexdigest(),
            created_by=actor,
        )
        version.pdf.save(filename % {"number": number}, ContentFile(pdf), save=False)
        return version
