"""Writes of the county's pages: the bureau's 评比 weights, and the log of a read from above.

Writes of the roll-up summary: its texts, and generated versions that keep the PDF with the
figures it printed. Every read of the schools' figures is logged in each school's own access
log, so a school sees who from above read it."""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from caresys.lib.pdf import html_to_pdf_pages
from county.models import AppraisalMeasure, RollupReport, RollupVersion, SchoolTermFigures
from county.rollup import Rollup, default_texts, document_html, figures_of, report_texts
from registry.models import AccessLog, Role, School, Term, Township, User
from registry.services import client_ip, log_access
from reports.selectors import term_numbers


@transaction.atomic
def appraisal_weights_set(
    *, actor: User, weights: dict[str, int], request: HttpRequest | None = None
) -> list[AppraisalMeasure]:
    """The education bureau sets the 评比's weights (0 leaves a measure out); logged."""
    if not actor.has_role(Role.BUREAU):
        raise PermissionDenied
    saved = []
    for key, weight in weights.items():
        measure = AppraisalMeasure.objects.filter(key=key).first() or AppraisalMeasure(key=key)
        measure.weight, measure.updated_by, measure.updated_at = weight, actor, timezone.now()
        measure.full_clean()
        measure.save()
        saved.append(measure)
    log_access(
        actor=actor,
        action=AccessLog.Action.RECORD,
        detail=_("修改评比指标权重：%(weights)s")
        % {"weights": "，".join(str(measure) for measure in saved)},
        request=request,
    )
    return saved


def log_schools_read(
    *,
    actor: User,
    action: str,
    schools: Iterable[School],
    detail: str,
    request: HttpRequest | None = None,
) -> int:
    """One access-log row per school read, carrying that school (log_access writes the
    actor's school, and a county reader usually has none)."""
    now, ip = timezone.now(), client_ip(request)
    rows = [
        AccessLog(
            school_id=school.pk, actor=actor, at=now, action=action, detail=detail[:200],
            ip_address=ip,
        )
        for school in schools
    ]  # fmt: skip
    AccessLog.objects.bulk_create(rows)
    return len(rows)


def _log_own(*, actor: User, action: str, detail: str, request: HttpRequest | None) -> None:
    """The writer's own row (their school's log, or none for the bureau)."""
    AccessLog.objects.create(
        school_id=actor.school_id,
        actor=actor,
        action=action,
        detail=detail[:200],
        ip_address=client_ip(request),
    )


@transaction.atomic
def rollup_report_get_or_create(
    *,
    actor: User,
    township: Township | None,
    year: str,
    number: int,
    request: HttpRequest | None = None,
) -> RollupReport:
    """The scope's roll-up of the term, created with its default title and issuer if new."""
    report = RollupReport.objects.filter(township=township, year=year, number=number).first()
    if report is not None:
        return report
    report = RollupReport(
        township=township,
        year=year,
        number=number,
        updated_by=actor,
        **default_texts(township=township, year=year, number=number),
    )
    report.full_clean()
    report.save()
    _log_own(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        detail=_("新建汇总总结：%(t)s") % {"t": report},
        request=request,
    )
    return report


@transaction.atomic
def rollup_report_update(
    *, actor: User, report: RollupReport, request: HttpRequest | None = None, **texts: object
) -> RollupReport:
    """Save the writer's texts."""
    for name in texts:
        if name not in RollupReport.TEXT_FIELDS:
            raise TypeError(f"rollup_report_update() got an unexpected field {name!r}")
    for name, value in texts.items():
        setattr(report, name, value)
    report.updated_by = actor
    report.updated_at = timezone.now()
    report.full_clean()
    report.save()
    _log_own(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        detail=_("修改汇总总结：%(t)s") % {"t": report},
        request=request,
    )
    return report


@transaction.atomic
def rollup_report_generate(
    *,
    actor: User,
    report: RollupReport,
    rollup: Rollup,
    schools: list[School],
    request: HttpRequest | None = None,
) -> RollupVersion:
    """Print the roll-up from the figures just counted (`rollup`, of `schools`) and keep the
    PDF with them; each school's log shows the print."""
    report = RollupReport.objects.select_for_update().get(pk=report.pk)
    texts = report_texts(report)
    pdf, pages = html_to_pdf_pages(document_html(rollup=rollup, texts=texts))
    version = RollupVersion.next_of(
        report=report, pdf=pdf, pages=pages, numbers=rollup.to_json(), texts=texts,
        actor=actor, filename=f"rollup-{report.pk}-v%(number)s.pdf",
    )  # fmt: skip
    try:
        version.full_clean()
        version.save()
        detail = _("生成汇总总结第%(n)d版：%(t)s") % {"n": version.number, "t": report}
        _log_own(actor=actor, action=AccessLog.Action.PDF, detail=detail, request=request)
        log_schools_read(
            actor=actor, action=AccessLog.Action.PDF, schools=schools, detail=detail,
            request=request,
        )  # fmt: skip
    except BaseException:
        version.pdf.delete(save=False)
        raise
    return version


# --- the kept figures ------------------------------------------------------------------------


@transaction.atomic
def count_school_term(*, school: School, term: Term) -> SchoolTermFigures:
    """Count the school's term as its term summary does (as of the term's end, or today while
    it runs) and keep the figures. No audit row: nothing is shown to anyone here, and each
    read of the kept figures is logged where it is read (the roll-up's pages)."""
    if term.school_year.school_id != school.pk:
        raise ValueError(f"term {term.pk} is not a term of school {school.pk}")
    numbers = term_numbers(school=school, period=term.period, with_previous=False)
    kept, _created = SchoolTermFigures.objects.update_or_create(
        school=school,
        term=term,
        defaults={
            "figures": figures_of(numbers).to_json(),
            "as_of": numbers.as_of,
            "counted_at": timezone.now(),
        },
    )
    return kept


@transaction.atomic
def rollup_recount(
    *,
    actor: User,
    report: RollupReport,
    schools: list[School],
    request: HttpRequest | None = None,
) -> int:
    """Queue a recount of the report's term at `schools` (those of its scope) for the worker
    (county.tasks); the number of schools queued."""
    from county.tasks import count_terms  # the task module imports this one

    term_ids = list(
        Term.objects.filter(
            school_year__school__in=[school.pk for school in schools],
            school_year__name=report.year,
            number=report.number,
        ).values_list("pk", flat=True)
    )
    if term_ids:
        # The queue is a table of this database: the task is queued with the log row, or not.
        count_terms.enqueue(term_ids=term_ids)
    _log_own(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        detail=_("重新统计汇总总结的数据：%(t)s（%(n)d所学校）")
        % {"t": report, "n": len(term_ids)},
        request=request,
    )
    return len(term_ids)
