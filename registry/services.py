"""Writes to the registry: each validates, saves and writes its audit rows in one transaction."""

import copy
import datetime
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, NamedTuple

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from caresys.lib.hooks import Hooks
from caresys.lib.passwords import initial_password
from caresys.lib.periods import SchoolYearDates
from caresys.lib.pinyin import name_pinyin
from registry.models import (
    CARE_CATEGORY_FIELDS,
    COUNTY_READERS,
    NUMBER_FOR_THE_REGISTRAR,
    SCRUBBED,
    AccessLog,
    ArchiveRevision,
    CensusClassReturn,
    CensusEntry,
    CensusRound,
    ChoiceListField,
    ClassTally,
    Consent,
    Guardian,
    LeftBehindPeriod,
    Parent,
    Pupil,
    Role,
    School,
    SchoolClass,
    SchoolYear,
    Term,
    Township,
    User,
    census_status_now,
    in_care,
)

# The parts of an archive, the fields a person edits in each, and the prefix of their labels
# in the change history. Forms and the import read these lists, so the three cannot drift.
PUPIL_FIELDS = (
    "name",
    "gender",
    "birth_date",
    "id_number",
    "student_number",
    "school_class",
    "village",
    "address",
    "is_boarding",
    "health",
    "character",
    "interests",
    "academic_level",
    "guardianship_type",
    "left_behind",
    "is_dropout",
    "is_hardship",
    "lacks_guardian",
    "is_unsupported",
    "is_disabled",
    "is_orphan",
    "is_priority",
    "ethnicity",
    "hukou_place",
    "hukou_type",
    "hukou_registered",
    "disability",
    "disability_grade",
    "illness",
    "schooling",
    "family_income",
    "assistance",
    "guardianship_assessment",
    "committee_contact",
    "committee_phone",
)
# The pupil's fields the civil-affairs register asks beyond the school's archive (a section of
# their own on the form and the archive page).
NATIONAL_FIELDS = PUPIL_FIELDS[PUPIL_FIELDS.index("ethnicity") :]
PARENT_FIELDS = (
    "name",
    "phone",
    "work_place",
    "work_unit",
    "work_unit_address",
    "work_unit_phone",
    "away_since",
    "contact_frequency",
    "id_number",
    "birth_date",
    "cannot_guard",
)
GUARDIAN_FIELDS = (
    "name",
    "relation",
    "occupation",
    "address",
    "phone",
    "health",
    "birth_year",
    "education",
    "letter_signed_on",
    "id_number",
    "birth_date",
)
# History keys whose values are masked like the live ones.
SENSITIVE_KEYS = frozenset(
    {"pupil.id_number", "pupil.student_number"}
    | {f"{part}.{field}" for part in ("father", "mother") for field in ("phone", "work_unit_phone")}
    | {"guardian.phone"}
    | {f"{part}.id_number" for part in ("father", "mother", "guardian")}
)

ArchiveData = Mapping[str, Mapping[str, Any]]

# The history keys of the fields in_care() reads: a change of one sets the kept Pupil.in_care.
_CARE_KEYS = frozenset({"pupil.left_behind", *(f"pupil.{f}" for f in CARE_CATEGORY_FIELDS)})


def archive_flags_refresh(
    *,
    pupil_ids: Iterable[int] | QuerySet,
    classes: Iterable[tuple[int, int | None]] = (),
    tallies: bool = True,
) -> None:
    """Set the kept Pupil.archive_complete of these pupils (pks, or a queryset of them) by the
    rule itself (archive_incomplete): one UPDATE, in the transaction of the write that called
    it, which every write of an archive's pupil, parent or guardian fields does; then their
    classes' kept counts (and those of `classes`, where the write moved them from), unless
    `tallies` is False (a recount)."""
    # Here, not at the top: the selectors import the sign-in module, which imports this one.
    from registry.selectors import archive_incomplete

    Pupil.with_pending.filter(pk__in=pupil_ids).update(
        archive_complete=Case(When(archive_incomplete(), then=Value(False)), default=Value(True))
    )
    if tallies:
        class_tallies_refresh(pupil_ids=pupil_ids, classes=classes)


def class_tallies_refresh(
    *, pupil_ids: Iterable[int] | QuerySet = (), classes: Iterable[tuple[int, int | None]] = ()
) -> None:
    """Recount the kept ClassTally rows of the classes these pupils are in (and of `classes`,
    (school, class) pairs a write moved them out of) from their enrolled pupils, by the rules
    themselves (registry.selectors.class_tally_counts), in the transaction of the write that
    changed them: every write of a pupil's class, status, left-behind status, categories,
    guardianship, boarding or kept flags. Four queries, whatever the number of classes.

    The rows are locked before the count, so that two writes of one class count one after the
    other (PostgreSQL counts what the first committed); nothing else locks them, so no other
    lock a write holds (its pupils', a census's school, a promotion's classes) waits on them."""
    from registry.selectors import class_tally_counts

    where = set(classes) | set(
        Pupil.objects.filter(pk__in=pupil_ids)
        .values_list("school_id", "school_class_id")
        .order_by()
        .distinct()
    )
    if not where:
        return
    # A row for each class first (a class's first pupil makes it), then the rows locked.
    ClassTally.objects.bulk_create(
        [ClassTally(school_id=school, school_class_id=pk) for school, pk in sorted(where, key=str)],
        ignore_conflicts=True,
    )
    chosen = in_classes(where)
    tallies = list(ClassTally.objects.select_for_update().filter(chosen).order_by("pk"))
    counted = {
        (row.pop("school"), row.pop("school_class")): row
        for row in Pupil.objects.enrolled()
        .filter(chosen)
        .values("school", "school_class")
        .annotate(**class_tally_counts())
        .order_by()
    }
    for tally in tallies:
        tally.counts = counted.get((tally.school_id, tally.school_class_id), {})
    ClassTally.objects.bulk_update(tallies, ["counts"])
    _class_listeners.call(where)


# Apps above the registry keep counts by class of their own rows about pupils (pairing: each
# class's pairs, for the register): each registers a listener from AppConfig.ready(), called
# with the (school, class) pairs whose pupils a write changed or moved (class_tallies_refresh,
# which every write of a pupil's class calls), inside that write's transaction.
ClassListener = Callable[[set[tuple[int, int | None]]], Any]
_class_listeners: Hooks[ClassListener] = Hooks()
register_class_listener = _class_listeners.register


def in_classes(classes: set[tuple[int, int | None]], school_class: str = "school_class") -> Q:
    """Rows of these (school, class) pairs (class None: a pupil in no class), the class under
    the name given: ClassTally's and pupils' here, pairing's ClassPairCount and pairs."""
    chosen = Q()
    for school_id in {school for school, _class in classes}:
        ids = {pk for school, pk in classes if school == school_id}
        in_school = Q(**{f"{school_class}__in": [pk for pk in ids if pk is not None]})
        if None in ids:
            in_school |= Q(**{school_class: None})
        chosen |= Q(school_id=school_id) & in_school
    return chosen


def class_tallies_recount(*, school_id: int | None = None) -> None:
    """Rebuild every ClassTally row of the school, or of every school, from its pupils: one
    aggregate query, one DELETE and one INSERT."""
    from registry.selectors import class_tally_counts

    pupils, tallies = Pupil.objects.enrolled(), ClassTally.objects.all()
    if school_id is not None:
        pupils, tallies = pupils.filter(school_id=school_id), tallies.filter(school_id=school_id)
    rows = pupils.values("school", "school_class").annotate(**class_tally_counts()).order_by()
    tallies.delete()
    ClassTally.objects.bulk_create(
        ClassTally(school_id=row.pop("school"), school_class_id=row.pop("school_class"), counts=row)
        for row in rows
    )


def in_care_refresh(
    *,
    school: School,
    pupil_ids: Iterable[int] | QuerySet | None = None,
    tallies: bool = True,
) -> None:
    """Set the kept Pupil.in_care of these pupils of the school (pks, or a queryset of them), or
    of all its pupils, by the rule itself (in_care): one UPDATE, in the transaction of the write
    that called it, which every write of a pupil's left-behind status or categories does, and
    every change of the school's care_categories (all its pupils); then their classes' kept
    counts (unless `tallies` is False: a recount, or a write that counts them after). Only the
    rows the rule changes are written: every index of the pupil holds in_care's row, so
    rewriting a whole school's unchanged rows (a recount, a demo county) cost a third of a
    second a school."""
    pupils = Pupil.with_pending.filter(school=school)
    if pupil_ids is not None:
        pupils = pupils.filter(pk__in=pupil_ids)
    rule = Case(When(in_care(school), then=Value(True)), default=Value(False))
    changed = pupils.exclude(in_care=rule).update(in_care=rule)
    if tallies and changed:
        class_tallies_refresh(pupil_ids=pupils.values("pk"))


@transaction.atomic
def school_care_categories_set(*, school: School, categories: list[str]) -> None:
    """Choose the difficulty categories whose children the school also cares for; each of its
    pupils' kept in_care follows in the same transaction."""
    school.care_categories = list(categories)
    school.full_clean()
    school.save(update_fields=["care_categories"])
    in_care_refresh(school=school)


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def log_access(
    *,
    actor: User,
    action: str,
    pupils: Iterable[Pupil] = (),
    pupil_ids: Iterable[int] = (),
    detail: str = "",
    request: HttpRequest | None = None,
    school: School | None = None,
) -> int:
    """Write one access-log row per pupil (one row with no pupil when there are none).

    The rows belong to `school` (default: the actor's): a county reader's read of one school
    shows on that school's log. An export passes the pks it wrote as pupil_ids: 20,000 Pupil
    objects would cost a second.
    """
    now = timezone.now()
    ip = client_ip(request)
    school_id = school.pk if school is not None else actor.school_id
    rows = [
        AccessLog(
            school_id=school_id,
            actor=actor,
            at=now,
            action=action,
            pupil_id=pk,
            detail=detail[:200],
            ip_address=ip,
        )
        for pk in [*(pupil.pk for pupil in pupils), *pupil_ids]
    ] or [
        AccessLog(
            school_id=school_id,
            actor=actor,
            at=now,
            action=action,
            detail=detail[:200],
            ip_address=ip,
        )
    ]
    AccessLog.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# --- sign-in ---------------------------------------------------------------------------------


def signin_record(
    *, username: str, user: User | None, succeeded: bool, request: HttpRequest
) -> None:
    """One access-log row per sign-in, failed or not, with the username tried and the address.

    An unknown username names no one and belongs to no school (see AccessLog.school).
    """
    AccessLog.objects.create(
        school_id=user.school_id if user else None,
        actor=user,
        action=AccessLog.Action.LOGIN if succeeded else AccessLog.Action.LOGIN_FAILED,
        detail=username[:200],
        ip_address=client_ip(request),
    )


@transaction.atomic
def signin_pause_lift(*, actor: User, user: User, request: HttpRequest | None = None) -> int:
    """The registrar lets a paused account of their school sign in again; returns the failed
    attempts forgotten. An address paused by guesses at other accounts stays paused."""
    if not actor.is_school_admin or user.school_id != actor.school_id:
        raise PermissionDenied
    lifted, _by_model = AccessAttempt.objects.filter(username=user.username).delete()
    log_access(
        actor=actor,
        action=AccessLog.Action.UNLOCK,
        detail=_("解除登录暂停：%(name)s（%(username)s）")
        % {"name": user, "username": user.username},
        request=request,
    )
    return lifted


# The numbers that identify a child for life; a phone is revealed to be called, as often as
# the work needs.
IDENTITY_NUMBERS = frozenset(
    {"pupil.id_number", "pupil.student_number"}
    | {f"{part}.id_number" for part in ("father", "mother", "guardian")}
)


def reveal_allowed(*, actor: User, field: str) -> bool:
    """May the person see one more full ID number or 学籍号 today? The registrar always; anyone
    else up to CARESYS_DAILY_ID_REVEALS a day, so that a bulk harvest through the 显示 button
    stops early (each reveal is logged either way). One query for an identity number."""
    if field not in IDENTITY_NUMBERS or actor.is_school_admin:
        return True
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time.min))
    today = AccessLog.objects.filter(
        actor=actor, action=AccessLog.Action.REVEAL, detail__in=IDENTITY_NUMBERS, at__gte=start
    )
    return today.count() < settings.CARESYS_DAILY_ID_REVEALS


def log_access_each(
    *,
    actor: User,
    action: str,
    pupils: QuerySet[Pupil],
    detail: str = "",
    request: HttpRequest | None = None,
    school: School | None = None,
) -> int:
    """log_access for each pupil of a queryset, in one INSERT ... SELECT: a roster import's
    20,000 rows in a fraction of a second, where building as many AccessLog objects takes
    seconds inside the transaction that publishes them. `school` as for log_access."""
    values = {
        "school": Value(school.pk if school is not None else actor.school_id),
        "actor": Value(actor.pk),
        "at": Value(timezone.now(), output_field=models.DateTimeField()),
        "action": Value(action),
        "pupil": F("pk"),
        "detail": Value(detail[:200]),
        "ip_address": Value(client_ip(request), output_field=models.GenericIPAddressField()),
    }
    select = (
        pupils.order_by()
        .annotate(**{f"_{name}": value for name, value in values.items()})
        .values_list(*(f"_{name}" for name in values))
    )
    sql, params = select.query.sql_with_params()
    columns = ", ".join(AccessLog._meta.get_field(name).column for name in values)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {AccessLog._meta.db_table} ({columns}) {sql}", params)
        return cursor.rowcount


def display_value(instance: models.Model, field_name: str) -> str:
    """The value as a person reads it: choice labels, 是/否, dates, names of related rows."""
    field = instance._meta.get_field(field_name)
    value = getattr(instance, field.attname)
    if value is None or value == "" or value == []:
        return ""
    if isinstance(field, ChoiceListField):
        return "、".join(field.labels(value))
    if field.choices or isinstance(field, models.BooleanField):
        return _label(field, value)
    if isinstance(field, models.ForeignKey):
        return str(getattr(instance, field.name))
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


_LABELS: dict[tuple[models.Field, Any, str | None], str] = {}


def _label(field: models.Field, value: Any) -> str:
    """A choice's label or 是/否, translated once per language (an import reads 100,000)."""
    key = (field, value, translation.get_language())
    if key not in _LABELS:
        if field.choices:
            _LABELS[key] = str(dict(field.flatchoices).get(value, value))
        else:
            _LABELS[key] = _("是") if value else _("否")
    return _LABELS[key]


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, str]:
    return {field: display_value(instance, field) for field in fields}


def _changes(
    part: str,
    label_prefix: str,
    instance: models.Model,
    before: models.Model,
    fields: Iterable[str],
) -> list[dict[str, str]]:
    """How the fields of `instance` read differently from `before`, a copy taken before the
    change. Only the fields whose stored value moved are read out (one value always reads the
    same): a roster import drafts 5,000 archives of some sixty fields twice."""
    fields = tuple(fields)
    moved = [
        field
        for field, attname in zip(fields, _attnames(type(instance), fields), strict=True)
        if getattr(before, attname) != getattr(instance, attname)
    ]
    old, new = _snapshot(before, moved), _snapshot(instance, moved)
    language = translation.get_language()
    return [
        {
            "key": f"{part}.{field}",
            "field": f"{label_prefix}{_verbose_name(instance._meta.get_field(field), language)}",
            "old": old[field],
            "new": new[field],
        }
        for field in moved
        if old[field] != new[field]
    ]


_VERBOSE_NAMES: dict[tuple[models.Field, str | None], str] = {}


def _verbose_name(field: models.Field, language: str | None) -> str:
    """The field's name in the language, translated once (an import names 100,000 changes)."""
    key = (field, language)
    if key not in _VERBOSE_NAMES:
        _VERBOSE_NAMES[key] = str(field.verbose_name)
    return _VERBOSE_NAMES[key]


@functools.cache
def _attnames(model: type[models.Model], fields: tuple[str, ...]) -> tuple[str, ...]:
    """The attributes holding the fields' stored values (school_class_id for school_class)."""
    return tuple(model._meta.get_field(field).attname for field in fields)


def _apply(instance: models.Model, data: Mapping[str, Any], fields: Iterable[str]) -> None:
    for field in fields:
        if field in data:
            setattr(instance, field, data[field])


def _archive_parts(pupil: Pupil) -> list[tuple[str, str, models.Model, tuple[str, ...]]]:
    """(part, label prefix, instance, fields) for the pupil, both parents and the guardian."""
    parents = {parent.relation: parent for parent in pupil.parents.all()}
    father = parents.get(Parent.Relation.FATHER) or Parent(
        pupil=pupil, relation=Parent.Relation.FATHER
    )
    mother = parents.get(Parent.Relation.MOTHER) or Parent(
        pupil=pupil, relation=Parent.Relation.MOTHER
    )
    try:
        guardian = pupil.guardian
    except Guardian.DoesNotExist:
        guardian = Guardian(pupil=pupil)
    return [
        ("pupil", "", pupil, PUPIL_FIELDS),
        ("father", _("父亲·"), father, PARENT_FIELDS),
        ("mother", _("母亲·"), mother, PARENT_FIELDS),
        ("guardian", _("监护人·"), guardian, GUARDIAN_FIELDS),
    ]


def _validate_all(
    parts: list[tuple[str, str, models.Model, tuple[str, ...]]], *, actor: User
) -> None:
    """Validate every part before anything is saved; errors are keyed 'part.field'.

    Only the registrar learns that a number belongs to another pupil: anyone else who types it
    is sent to the registrar, so the form cannot be used to test whose number it is.
    """
    errors: dict[str, list] = {}
    for part, _prefix, instance, _fields in parts:
        try:
            instance.full_clean(exclude=["pupil"] if part != "pupil" else None)
        except ValidationError as exc:
            for field, field_errors in exc.error_dict.items():
                errors[f"{part}.{field}"] = [
                    _taken_number_message(error, actor) for error in field_errors
                ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def taken_numbers_log(*, actor: User, numbers: list[str], request: HttpRequest) -> None:
    """Someone who may not see whole numbers typed one that another pupil has. They are told
    only to ask the registrar, but a refusal still tells a taken number from a free one: the
    registrar sees each try in the access log, against the pupil whose number it was."""
    owners = Pupil.objects.filter(school_id=actor.school_id).filter(
        models.Q(id_number__in=numbers) | models.Q(student_number__in=numbers)
    )
    log_access(
        actor=actor,
        action=AccessLog.Action.REFUSED,
        pupil_ids=owners.values_list("pk", flat=True),
        detail=_("在档案表单中输入了该学生的号码"),
        request=request,
    )


def _taken_number_message(error: ValidationError, actor: User) -> str:
    message = " ".join(error.messages)
    if error.code == "duplicate" and not actor.is_school_admin:
        return str(NUMBER_FOR_THE_REGISTRAR)
    return message


def _set_left_behind(
    *, actor: User, pupil: Pupil, status: str, since: datetime.date, note: str = ""
) -> None:
    """Close the open period the day before `since` and open one with the new status."""
    current = pupil.left_behind_periods.filter(ended_on=None).first()
    if current is not None:
        if current.status == status:
            return
        if since == current.started_on:
            # A correction on the day the period began: no one-day period is invented.
            current.status = status
            current.recorded_by = actor
            current.full_clean()
            current.save(update_fields=["status", "recorded_by"])
            return
        if since < current.started_on:
            raise ValidationError(
                {
                    "pupil.left_behind_since": _(
                        "变更日期应晚于当前留守情况的开始日期（%(date)s）。"
                    )
                    % {"date": current.started_on.isoformat()}
                }
            )
        current.ended_on = since - datetime.timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["ended_on"])
    period = LeftBehindPeriod(
        pupil=pupil, status=status, started_on=since, note=note, recorded_by=actor
    )
    period.full_clean()
    period.save()


@transaction.atomic
def pupil_create(
    *,
    actor: User,
    school: School,
    data: ArchiveData,
    left_behind_since: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> Pupil:
    """Create a pupil's archive (pupil, father, mother, guardian) with its first history entry."""
    pupil = Pupil(school=school)
    parts = _archive_parts_for_new(pupil)
    befores = [copy.copy(instance) for _p, _l, instance, _f in parts]
    for part, _prefix, instance, fields in parts:
        _apply(instance, data.get(part, {}), fields)
    pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
    _validate_all(parts, actor=actor)
    pupil.in_care = school.cares_for(pupil)  # in_care()'s rule in Python: no UPDATE after
    pupil.save()
    changes = []
    for (part, prefix, instance, fields), before in zip(parts, befores, strict=True):
        if part != "pupil":
            instance.pupil = pupil
            instance.save()
        changes += _changes(part, prefix, instance, before, fields)
    _set_left_behind(
        actor=actor,
        pupil=pupil,
        status=pupil.left_behind,
        since=left_behind_since or timezone.localdate(),
    )
    ArchiveRevision.objects.create(pupil=pupil, actor=actor, summary=_("新建档案"), changes=changes)
    log_access(actor=actor, action=AccessLog.Action.CREATE, pupils=[pupil], request=request)
    archive_flags_refresh(pupil_ids=[pupil.pk])
    return pupil


def _archive_parts_for_new(pupil: Pupil) -> list[tuple[str, str, models.Model, tuple[str, ...]]]:
    return [
        ("pupil", "", pupil, PUPIL_FIELDS),
        ("father", _("父亲·"), Parent(relation=Parent.Relation.FATHER), PARENT_FIELDS),
        ("mother", _("母亲·"), Parent(relation=Parent.Relation.MOTHER), PARENT_FIELDS),
        ("guardian", _("监护人·"), Guardian(), GUARDIAN_FIELDS),
    ]


@transaction.atomic
def archive_update(
    *,
    actor: User,
    pupil: Pupil,
    data: ArchiveData,
    left_behind_since: datetime.date | None = None,
    summary: str = "",
    request: HttpRequest | None = None,
) -> ArchiveRevision | None:
    """Apply a change to any part of an archive; the old values stay in the history.

    Returns the revision written, or None when nothing changed.
    """
    pupil = (
        Pupil.objects.select_for_update(of=("self",))
        .select_related("school_class", "school")
        .prefetch_related("parents")
        .get(pk=pupil.pk)
    )
    parts = _archive_parts(pupil)
    befores = [copy.copy(instance) for _p, _l, instance, _f in parts]
    was_in = (pupil.school_id, pupil.school_class_id)
    for part, _prefix, instance, fields in parts:
        _apply(instance, data.get(part, {}), fields)
    pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
    _validate_all(parts, actor=actor)
    changes = []
    for (part, prefix, instance, fields), before in zip(parts, befores, strict=True):
        part_changes = _changes(part, prefix, instance, before, fields)
        if part_changes or instance.pk is None:
            instance.save()
        changes += part_changes
    if not changes:
        return None
    if any(change["key"] == "pupil.left_behind" for change in changes):
        _set_left_behind(
            actor=actor,
            pupil=pupil,
            status=pupil.left_behind,
            since=left_behind_since or timezone.localdate(),
        )
    pupil.updated_at = timezone.now()
    pupil.save(update_fields=["updated_at"])
    # in_care first: the classes' kept counts (archive_flags_refresh's) count it too.
    if any(change["key"] in _CARE_KEYS for change in changes):
        in_care_refresh(school=pupil.school, pupil_ids=[pupil.pk], tallies=False)
    archive_flags_refresh(pupil_ids=[pupil.pk], classes=[was_in])
    [revision] = _record_edits(
        actor=actor, edits=[(pupil, changes)], summary=summary, request=request
    )
    return revision


def archive_values(*, pupil: Pupil, data: ArchiveData) -> ArchiveData:
    """The archive's values now of the fields `data` names: given to archive_update, what undoes
    applying `data` (a part the archive lacked comes back blank). Causes two queries."""
    pupil = (
        Pupil.objects.select_related("school_class", "guardian")
        .prefetch_related("parents")
        .get(pk=pupil.pk)
    )
    return {
        part: {field: getattr(instance, field) for field in fields if field in data[part]}
        for part, _prefix, instance, fields in _archive_parts(pupil)
        if part in data
    }


def _record_edits(
    *,
    actor: User,
    edits: list[tuple[Pupil, list[dict[str, str]]]],
    summary: str,
    request: HttpRequest | None,
) -> list[ArchiveRevision]:
    """The history entry and access-log row of each edited archive, a fixed number of inserts.

    `edits` pairs each pupil with the changes _changes found; the log names the fields changed.
    """
    revisions = ArchiveRevision.objects.bulk_create(
        [
            ArchiveRevision(
                pupil=pupil, actor=actor, summary=summary or _("修改档案"), changes=changes
            )
            for pupil, changes in edits
        ],
        batch_size=1000,
    )
    fields = dict.fromkeys(change["field"] for _pupil, changes in edits for change in changes)
    log_access(
        actor=actor,
        action=AccessLog.Action.UPDATE,
        pupils=[pupil for pupil, _changes in edits],
        detail=", ".join(fields),
        request=request,
    )
    return revisions


# --- a pupil's life at school: leaving, graduating, the year's end ---------------------------


@transaction.atomic
def pupils_status_change(
    *,
    actor: User,
    pupils: models.QuerySet[Pupil],
    status: str,
    summary: str = "",
    request: HttpRequest | None = None,
) -> list[ArchiveRevision]:
    """Set the status (在校, 已离校, 已毕业) of many pupils, each archive with its history entry.

    The same queries for a thousand pupils as for one. A pupil already in that status is left
    as it is; one who is no longer at school can only come back, not leave again.
    """
    try:
        Pupil._meta.get_field("status").clean(status, None)
    except ValidationError as exc:
        raise ValidationError({"status": exc.messages}) from exc
    now = timezone.now()
    edits = []
    # Ordered by pk, not by class: no join to lock, and the same lock order in every caller.
    for pupil in pupils.select_for_update(of=("self",)).order_by("pk"):
        if status != Pupil.Status.ENROLLED and pupil.status != Pupil.Status.ENROLLED:
            raise ValidationError(_("该学生已不在校。"))
        before = copy.copy(pupil)
        pupil.status = status
        pupil.updated_at = now
        if changes := _changes("pupil", "", pupil, before, ["status"]):
            edits.append((pupil, changes))
    if not edits:
        return []
    # Only the status is validated (above): the rest of the archive is not being edited, and
    # validating every pupil of a grade would cost two queries each.
    # The leaving day starts the retention time (scrub_leavers); coming back clears it.
    left_on = None if status == Pupil.Status.ENROLLED else timezone.localdate()
    changed = [pupil.pk for pupil, _changes in edits]
    Pupil.objects.filter(pk__in=changed).update(status=status, updated_at=now, left_on=left_on)
    class_tallies_refresh(pupil_ids=changed)
    return _record_edits(actor=actor, edits=edits, summary=summary, request=request)


@transaction.atomic
def pupil_status_change(
    *,
    actor: User,
    pupil: Pupil,
    status: str,
    summary: str = "",
    request: HttpRequest | None = None,
) -> ArchiveRevision | None:
    """Mark a pupil as left, graduated or back at school; the archive is kept.

    Returns the revision written, or None when the pupil already had that status.
    """
    revisions = pupils_status_change(
        actor=actor,
        pupils=Pupil.objects.filter(pk=pupil.pk),
        status=status,
        summary=summary,
        request=request,
    )
    return revisions[0] if revisions else None


class Promotion(NamedTuple):
    """What the year's end did: how many classes moved up, and who graduated."""

    promoted: int
    graduates: list[int]


@transaction.atomic
def classes_promote(
    *,
    actor: User,
    top_grade: int,
    head_teachers: Mapping[int, User | None],
    request: HttpRequest | None = None,
) -> Promotion:
    """The year's end: the pupils of `top_grade` and above graduate and their classes close;
    every other class moves up a grade, with its chosen head teacher where one is given."""
    classes = list(
        SchoolClass.objects.select_for_update()
        .filter(school_id=actor.school_id, is_active=True)
        .order_by("-grade", "number")
    )
    leaving = [school_class for school_class in classes if school_class.grade >= top_grade]
    graduated = pupils_status_change(
        actor=actor,
        pupils=Pupil.objects.enrolled().filter(school_class__in=leaving),
        status=Pupil.Status.GRADUATED,
        summary=_("学年升级：毕业"),
        request=request,
    )
    for school_class in leaving:
        school_class.is_active = False
        school_class.save(update_fields=["is_active"])
    # Highest grade first, so that no two active classes ever share a grade and number.
    promoted = [school_class for school_class in classes if school_class.grade < top_grade]
    for school_class in promoted:
        school_class.grade += 1
        if school_class.pk in head_teachers:
            school_class.head_teacher = head_teachers[school_class.pk]
        school_class.full_clean()
        school_class.save(update_fields=["grade", "head_teacher"])
    return Promotion(
        promoted=len(promoted), graduates=[revision.pupil_id for revision in graduated]
    )


@transaction.atomic
def staff_account_check(*, actor: User, user: User, roles: list[str], is_active: bool) -> None:
    """The registrar's remit, on every path that changes an account: only a registrar changes
    a registrar's account, and a school always keeps one active registrar. Raises a
    ValidationError keyed by the field ("is_active" or "roles") that breaks the rule."""
    before = User.objects.select_for_update().get(pk=user.pk)
    if set(roles) & COUNTY_READERS != set(before.roles) & COUNTY_READERS:
        raise ValidationError(
            {"roles": _("教育局、中心学校（学区）和系统管理员的角色由县里的系统管理员设置。")},
            code="county_roles",
        )
    if before.is_school_admin and not actor.is_school_admin:
        raise ValidationError(
            _("%(name)s是管理员，只有管理员可以修改其账号。") % {"name": before},
            code="registrar_remit",
        )
    if not (before.is_active and before.is_school_admin):
        return
    if is_active and Role.ADMIN in roles:
        return
    colleagues = User.objects.select_for_update().filter(school_id=before.school_id, is_active=True)
    if any(other.is_school_admin for other in colleagues.exclude(pk=before.pk)):
        return
    raise ValidationError(
        {
            "roles" if is_active else "is_active": _(
                "%(name)s是学校唯一在用的管理员账号，不能停用，也不能取消管理员角色。"
                "请先让另一位教职工成为管理员。"
            )
            % {"name": before}
        },
        code="last_registrar",
    )


@transaction.atomic
def staff_deactivate(*, actor: User, user: User, request: HttpRequest | None = None) -> bool:
    """Close a member of staff's account (they left the school); False if it was closed."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        return False
    staff_account_check(actor=actor, user=user, roles=user.roles, is_active=False)
    user.is_active = False
    user.save(update_fields=["is_active"])
    staff_active_changed(user_id=user.pk)
    # The log has no action of its own for accounts: one is closed when a teacher leaves, in
    # the flow that hands their paired children over, and is logged with it.
    log_access(
        actor=actor,
        action=AccessLog.Action.PAIRING,
        detail=_("停用教师账号：%(name)s") % {"name": user},
        request=request,
    )
    return True


# --- a new school ---------------------------------------------------------------------------


def _clean_all(rows: Iterable[models.Model]) -> None:
    """Validate every row and raise their errors together, keyed by field."""
    errors: dict[str, list[str]] = {}
    for row in rows:
        try:
            row.full_clean()
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def school_create(
    *,
    name: str,
    address: str = "",
    phone: str = "",
    calendar: SchoolYearDates,
    classes: Mapping[int, int],
    admin_username: str,
    admin_password: str,
    admin_full_name: str = "",
    admin_phone: str = "",
    admin_must_change_password: bool = False,
    township: Township | None = None,
    kind: str = School.Kind.PRIMARY,
    code: str = "",
    actor: User | None = None,
    request: HttpRequest | None = None,
) -> School:
    """A school ready for its registrar: its details, a school year with two terms, its
    classes ({grade: how many}) and the first administrator account. All or nothing.

    `actor` is the installation's registrar (None from manage.py); the creation is logged on
    the new school's access log."""
    school = School(
        name=name.strip(), address=address.strip(), phone=phone.strip(), township=township,
        kind=kind, code=code.strip(),
    )  # fmt: skip
    _clean_all([school])
    if School.objects.filter(name=school.name).exists():
        raise ValidationError({"name": _("已有一所名为“%(name)s”的学校。") % {"name": school.name}})
    if school.code and not re.fullmatch(r"\d{10}", school.code):
        raise ValidationError({"code": _("学校标识码是10位数字。")})
    if school.code and School.objects.filter(code=school.code).exists():
        raise ValidationError({"code": _("已有学校使用这个学校标识码。")})
    school.save()
    school_year = SchoolYear(
        school=school,
        name=calendar.year.label,
        start_date=calendar.year.start,
        end_date=calendar.year.end,
    )
    _clean_all([school_year])
    school_year.save()
    terms = [
        Term(school_year=school_year, number=number, start_date=dates.start, end_date=dates.end)
        for number, dates in enumerate(calendar.terms, start=1)
    ]
    _clean_all(terms)
    first, second = calendar.terms
    if (
        not calendar.year.start
        <= first.start
        <= first.end
        < second.start
        <= second.end
        <= calendar.year.end
    ):
        raise ValidationError(
            {"terms": _("两个学期须在学年之内，第二学期在第一学期结束之后开始。")}
        )
    Term.objects.bulk_create(terms)
    admin = User(
        school=school,
        username=admin_username.strip(),
        full_name=admin_full_name.strip(),
        phone=admin_phone.strip(),
        roles=[Role.ADMIN],
        must_change_password=admin_must_change_password,
    )
    admin.set_password(admin_password)
    _clean_all([admin])
    try:
        password_validation.validate_password(admin_password, user=admin)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    admin.save()
    new_classes = [
        SchoolClass(school=school, grade=grade, number=number)
        for grade, count in sorted(classes.items())
        for number in range(1, count + 1)
    ]
    _clean_all(new_classes)
    SchoolClass.objects.bulk_create(new_classes)
    AccessLog.objects.create(
        school=school, actor=actor, action=AccessLog.Action.ACCOUNT, ip_address=client_ip(request),
        detail=(
            _("建立学校“%(school)s”及管理员账号：%(name)s（%(username)s）")
            % {"school": school.name, "name": admin.full_name, "username": admin.username}
        )[:200],
    )  # fmt: skip
    return school


@transaction.atomic
def township_create(*, actor: User | None, name: str) -> Township:
    """A township (学区) the installation's registrar adds before its schools."""
    township = Township(name=name.strip())
    township.full_clean()
    township.save()
    AccessLog.objects.create(
        actor=actor, action=AccessLog.Action.ACCOUNT,
        detail=(_("新建乡镇（学区）：%(name)s") % {"name": township.name})[:200],
    )  # fmt: skip
    return township


@transaction.atomic
def county_reader_create(
    *,
    actor: User | None,
    username: str,
    full_name: str,
    role: str,
    phone: str = "",
    township: Township | None = None,
    request: HttpRequest | None = None,
) -> "Slip":
    """An account for the education bureau (Role.BUREAU, every school), a 中心学校 reader
    (Role.TOWNSHIP, the township's schools) or the installation's registrar
    (Role.SYSTEM_ADMIN, from manage.py only), with no school: a one-time password to change
    at the first sign-in. Returns the slip."""
    if role not in (Role.BUREAU, Role.TOWNSHIP, Role.SYSTEM_ADMIN):
        raise ValidationError({"role": _("只能新建教育局、中心学校（学区）或系统管理员的账号。")})
    user = User(
        username=username.strip(), full_name=full_name.strip(), phone=phone.strip(),
        roles=[role], township=township if role == Role.TOWNSHIP else None,
        must_change_password=True,
    )  # fmt: skip
    password = initial_password()
    user.set_password(password)
    user.full_clean()
    user.save()
    AccessLog.objects.create(
        actor=actor, action=AccessLog.Action.ACCOUNT, ip_address=client_ip(request),
        detail=(
            _("新建%(role)s账号：%(name)s（%(username)s）")
            % {"role": Role(role).label, "name": user.full_name, "username": user.username}
        )[:200],
    )  # fmt: skip
    return Slip(user.full_name or user.username, user.username, password)


# --- staff accounts --------------------------------------------------------------------------


class Slip(NamedTuple):
    """A teacher's 账号通知单. The initial password exists only here, in memory, until printed."""

    name: str
    username: str
    password: str


def staff_username(*, full_name: str) -> str:
    """The pinyin of the name, unique across the installation: zhangwei, zhangwei2, ... Queries."""
    base = re.sub(r"[^a-z0-9]", "", name_pinyin(full_name)[0])[:140] or "teacher"
    taken = set(User.objects.filter(username__istartswith=base).values_list("username", flat=True))
    taken = {name.lower() for name in taken}
    number = 1
    while (candidate := base if number == 1 else f"{base}{number}") in taken:
        number += 1
    return candidate


def _log_account(*, actor: User, detail: str, request: HttpRequest | None = None) -> None:
    log_access(actor=actor, action=AccessLog.Action.ACCOUNT, detail=detail, request=request)


@transaction.atomic
def staff_account_create(
    *, actor: User, user: User, with_password: bool = True, request: HttpRequest | None = None
) -> Slip | None:
    """Open an account at the actor's school for `user` (unsaved: name, phone, roles): a
    username from the pinyin of the name and a one-time password, to be changed at the first
    sign-in. Returns the slip with the password; None when with_password is False (a dry run:
    no password is made, and hashing one costs a third of a second)."""
    if set(user.roles) & COUNTY_READERS:
        raise ValidationError(
            {"roles": _("教育局、中心学校（学区）和系统管理员的角色由县里的系统管理员设置。")}
        )
    user.school_id = actor.school_id
    user.username = staff_username(full_name=user.full_name)
    user.must_change_password = with_password
    password = initial_password() if with_password else None
    user.set_password(password)  # None makes the account unusable
    user.full_clean()
    user.save()
    _log_account(
        actor=actor,
        detail=_("新建教职工账号：%(name)s（%(username)s）")
        % {"name": user.full_name, "username": user.username},
        request=request,
    )
    return Slip(user.full_name, user.username, password) if password else None


@transaction.atomic
def staff_account_update(*, actor: User, user: User, request: HttpRequest | None = None) -> None:
    """Save a member of staff's name, phone and roles as changed on `user`; never the password."""
    staff_account_check(actor=actor, user=user, roles=user.roles, is_active=user.is_active)
    user.full_clean()
    user.save(update_fields=["full_name", "phone", "roles"])
    _log_account(
        actor=actor, detail=_("修改教职工账号：%(name)s") % {"name": user}, request=request
    )


@transaction.atomic
def staff_head_classes_assign(
    *, actor: User, user: User, keys: Iterable[tuple[int, int]]
) -> list[SchoolClass]:
    """Make `user` head teacher of the actor's school's classes (grade, number), creating
    those that do not exist yet. Returns the classes created."""
    created = []
    for grade, number in keys:
        school_class = (
            SchoolClass.objects.select_for_update()
            .filter(school_id=actor.school_id, grade=grade, number=number, is_active=True)
            .first()
        )
        if school_class is None:
            school_class = SchoolClass(school_id=actor.school_id, grade=grade, number=number)
            created.append(school_class)
        school_class.head_teacher = user
        school_class.full_clean()
        school_class.save()
    return created


@transaction.atomic
def staff_password_reset(*, actor: User, user: User, request: HttpRequest | None = None) -> Slip:
    """A new one-time password for a member of staff who lost theirs; they change it at once."""
    user = User.objects.select_for_update().get(pk=user.pk, school_id=actor.school_id)
    staff_account_check(actor=actor, user=user, roles=user.roles, is_active=user.is_active)
    password = initial_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _log_account(actor=actor, detail=_("重置初始密码：%(name)s") % {"name": user}, request=request)
    return Slip(user.full_name or user.username, user.username, password)


@transaction.atomic
def password_change(*, user: User, password: str) -> None:
    """The person's own new password; the first sign-in's obligation to change it is met."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])


def staff_import_log(*, actor: User, result_totals: Mapping[str, int]) -> None:
    _log_account(
        actor=actor,
        detail=_("导入教职工名册：新建%(new)d人，修改%(update)d人，无变化%(skip)d人")
        % {
            "new": result_totals.get("new", 0),
            "update": result_totals.get("update", 0),
            "skip": result_totals.get("skip", 0),
        },
    )


# --- drafts ----------------------------------------------------------------------------------

ArchivePart = tuple[str, str, models.Model, tuple[str, ...]]


def archive_draft(
    *, school_id: int, pupil: Pupil | None, data: ArchiveData, changes: bool = True
) -> tuple[list[ArchivePart], list[dict[str, str]]]:
    """The archive with `data` applied to copies, and the changes saving it would record
    (none worked out when `changes` is False: the roster import's confirmation has them from
    its plan, RowPlan.change_keys).

    What pupil_create (pupil None) or archive_update would do, short of validating and saving:
    the roster import's dry run and its bulk creation read it. Writes nothing; causes no query
    when the pupil comes with its class, parents and guardian.
    """
    if pupil is None:
        parts = _archive_parts_for_new(Pupil(school_id=school_id))
    else:
        parts = [
            (part, prefix, copy.copy(instance), fields)
            for part, prefix, instance, fields in _archive_parts(pupil)
        ]
    found = []
    for part, prefix, instance, fields in parts:
        if not changes:
            before = instance
        elif pupil is None:  # a new archive's parts are blank: one blank serves every row
            before = _blank(type(instance))
        else:
            before = copy.copy(instance)
        _apply(instance, data.get(part, {}), fields)
        if part == "pupil":
            # What full_clean will do on saving (就学情况 辍学 ticks 辍学), shown in the preview.
            instance._schooling_disagreements()
        if changes:
            found += _changes(part, prefix, instance, before, fields)
    return parts, found


_BLANKS: dict[type[models.Model], models.Model] = {}


def _blank(model: type[models.Model]) -> models.Model:
    """An unsaved instance of the model with its fields' defaults (none of the archive's fields
    has a default that varies), read and never changed: what a new archive's part was before
    the data, without copying an instance for each of an import's thousands of rows."""
    if model not in _BLANKS:
        _BLANKS[model] = model()
    return _BLANKS[model]


# --- census rounds (普查/摸底) ------------------------------------------------------------------


def _census_log(*, actor: User, census: CensusRound, what: str, request: HttpRequest | None):
    log_access(
        actor=actor,
        action=AccessLog.Action.CENSUS,
        detail=_("%(what)s：%(name)s") % {"what": what, "name": census.name},
        request=request,
    )


@transaction.atomic
def census_round_open(
    *,
    actor: User,
    name: str,
    closes_on: datetime.date,
    request: HttpRequest | None = None,
) -> CensusRound:
    """The registrar opens a round: every enrolled pupil's left-behind status is noted as it
    is now, and every active class is asked to confirm its list. One open round per school."""
    if not actor.is_school_admin:
        raise PermissionDenied
    # Two registrars opening at once: the second waits here, then finds the first's round.
    School.objects.select_for_update().get(pk=actor.school_id)
    current = CensusRound.objects.filter(school_id=actor.school_id, closed_at=None).first()
    if current is not None:
        raise ValidationError(
            {"name": _("“%(name)s”还未结束：同一时间只能进行一轮摸底，请先结束它。")
             % {"name": current.name}}
        )  # fmt: skip
    if closes_on < timezone.localdate():
        raise ValidationError({"closes_on": _("截止日期不能早于今天。")})
    census = CensusRound(
        school_id=actor.school_id, name=name.strip(), opened_by=actor, closes_on=closes_on
    )
    census.full_clean()
    census.save()
    classes = SchoolClass.objects.filter(school_id=actor.school_id, is_active=True)
    CensusClassReturn.objects.bulk_create(
        [CensusClassReturn(round=census, school_class=school_class) for school_class in classes]
    )
    pupils = Pupil.objects.enrolled().filter(school_id=actor.school_id)
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(round=census, pupil_id=pk, status_at_open=status)
            for pk, status in pupils.values_list("pk", "left_behind").iterator(chunk_size=2000)
        ],
        batch_size=1000,
    )
    _census_log(actor=actor, census=census, what=_("开始摸底"), request=request)
    return census


def _census_return_for_update(census: CensusRound, school_class: SchoolClass) -> CensusClassReturn:
    census_return, _created = CensusClassReturn.objects.select_for_update().get_or_create(
        round=census, school_class=school_class
    )
    return census_return


def _check_open(census: CensusRound) -> CensusRound:
    census = CensusRound.objects.select_for_update().get(pk=census.pk)
    if not census.is_open:
        raise ValidationError(_("这轮摸底已经结束。"))
    return census


@transaction.atomic
def census_class_confirm(
    *,
    actor: User,
    census: CensusRound,
    school_class: SchoolClass,
    note: str = "",
    request: HttpRequest | None = None,
) -> CensusClassReturn:
    """The head teacher (or the registrar) confirms the class's list as it now stands; a later
    correction shows as made after the confirmation until they confirm again."""
    if not (actor.is_school_admin or school_class.head_teacher_id == actor.pk):
        raise PermissionDenied
    if school_class.school_id != census.school_id:
        raise PermissionDenied
    census = _check_open(census)
    census_return = _census_return_for_update(census, school_class)
    census_return.confirmed_at = timezone.now()
    census_return.confirmed_by = actor
    census_return.note = note.strip()
    census_return.full_clean()
    census_return.save()
    _census_log(
        actor=actor,
        census=census,
        what=_("确认%(cls)s名单") % {"cls": school_class.name},
        request=request,
    )
    return census_return


@transaction.atomic
def census_remind(*, actor: User, census: CensusRound, request: HttpRequest | None = None) -> int:
    """Remind every class that has not confirmed: its head teacher's home page says so until
    they confirm (CareSys sends no mail or text message). Returns the classes reminded."""
    if not actor.is_school_admin:
        raise PermissionDenied
    census = _check_open(census)
    reminded = 0
    now = timezone.now()
    for school_class in census.classes():
        census_return = _census_return_for_update(census, school_class)
        if census_return.confirmed_at is None:
            census_return.reminded_at = now
            census_return.save(update_fields=["reminded_at"])
            reminded += 1
    _census_log(
        actor=actor,
        census=census,
        what=_("提醒%(n)d个未确认的班级") % {"n": reminded},
        request=request,
    )
    return reminded


@transaction.atomic
def census_round_close(
    *,
    actor: User,
    census: CensusRound,
    force: bool = False,
    request: HttpRequest | None = None,
) -> CensusRound:
    """Close the round: each pupil's status now is noted beside the one at its opening, and
    pupils who joined during it are added. Refused while classes have not confirmed, unless
    the registrar says to close anyway."""
    if not actor.is_school_admin:
        raise PermissionDenied
    census = _check_open(census)
    confirmed = CensusClassReturn.objects.filter(round=census, confirmed_at__isnull=False)
    unconfirmed = census.classes().exclude(pk__in=confirmed.values("school_class")).count()
    if unconfirmed and not force:
        raise ValidationError(
            {"force": _("还有%(n)d个班未确认名单。请先提醒这些班级，或勾选“仍要结束”。")
             % {"n": unconfirmed}}
        )  # fmt: skip
    CensusEntry.objects.filter(round=census).update(status_at_close=census_status_now())
    joined = census.joined_pupils()
    CensusEntry.objects.bulk_create(
        [
            CensusEntry(round=census, pupil_id=pk, status_at_open="", status_at_close=status)
            for pk, status in joined.values_list("pk", "left_behind")
        ],
        batch_size=1000,
    )
    census.closed_at = timezone.now()
    census.closed_by = actor
    census.full_clean()
    census.save(update_fields=["closed_at", "closed_by"])
    what = _("结束摸底（%(n)d个班未确认）") % {"n": unconfirmed} if unconfirmed else _("结束摸底")
    _census_log(actor=actor, census=census, what=what, request=request)
    return census


def staff_export_log(*, actor: User, count: int, request: HttpRequest | None = None) -> None:
    _log_account(
        actor=actor,
        detail=_("导出教职工名册：%(n)d人") % {"n": count},
        request=request,
    )


# --- consent ---------------------------------------------------------------------------------


def _consent_state(consent: Consent | None) -> str:
    """A consent as the history records it: 已同意（2026-03-01，王德福（祖父））, 已撤回（…）."""
    if consent is None:
        return _("未登记")
    if consent.withdrawn_on:
        return _("已撤回（%(day)s）") % {"day": consent.withdrawn_on.isoformat()}
    return _("已同意（%(day)s，%(giver)s）") % {
        "day": consent.given_on.isoformat(),
        "giver": consent.giver,
    }


def _consent_history(
    *, actor: User, consent: Consent, before: str, summary: str, request: HttpRequest | None
) -> None:
    change = {
        "key": f"consent.{consent.purpose}",
        "field": _("知情同意·%(purpose)s") % {"purpose": consent.get_purpose_display()},
        "old": before,
        "new": _consent_state(consent),
    }
    _record_edits(actor=actor, edits=[(consent.pupil, [change])], summary=summary, request=request)


@transaction.atomic
def consent_record(
    *,
    actor: User,
    pupil: Pupil,
    purpose: str,
    given_by: str,
    given_by_relation: str,
    given_on: datetime.date,
    note: str = "",
    request: HttpRequest | None = None,
) -> Consent:
    """Record a guardian's consent for one purpose, in the pupil's history. Only one is in force
    per purpose: to correct it, withdraw it first."""
    earlier = (
        Consent.objects.select_for_update()
        .filter(pupil=pupil, purpose=purpose)
        .order_by("-given_on", "-pk")
        .first()
    )
    consent = Consent(
        pupil=pupil,
        purpose=purpose,
        given_by=given_by.strip(),
        given_by_relation=given_by_relation.strip(),
        given_on=given_on,
        note=note.strip(),
        recorded_by=actor,
    )
    if earlier is not None and earlier.withdrawn_on is None:
        raise ValidationError(
            {"purpose": _("“%(purpose)s”已登记同意；如需更改，请先撤回原来的同意。")
             % {"purpose": consent.get_purpose_display()}}
        )  # fmt: skip
    consent.full_clean()
    consent.save()
    _consent_history(
        actor=actor,
        consent=consent,
        before=_consent_state(earlier),
        summary=_("登记知情同意：%(purpose)s") % {"purpose": consent.get_purpose_display()},
        request=request,
    )
    return consent


@transaction.atomic
def consent_withdraw(
    *, actor: User, consent: Consent, on: datetime.date, request: HttpRequest | None = None
) -> Consent:
    """The guardian withdraws a consent from that day on; the row stays, dated."""
    consent = Consent.objects.select_for_update().select_related("pupil").get(pk=consent.pk)
    if consent.withdrawn_on is not None:
        raise ValidationError(
            {
                "withdrawn_on": _("该同意已于%(day)s撤回。")
                % {"day": consent.withdrawn_on.isoformat()}
            }
        )
    before = _consent_state(consent)
    consent.withdrawn_on = on
    consent.withdrawn_by = actor
    consent.full_clean()
    consent.save(update_fields=["withdrawn_on", "withdrawn_by"])
    _consent_history(
        actor=actor,
        consent=consent,
        before=before,
        summary=_("撤回知情同意：%(purpose)s") % {"purpose": consent.get_purpose_display()},
        request=request,
    )
    return consent


# --- retention of leavers (PIPL art. 19) ------------------------------------------------------

# What scrubbing clears: identifying and personal fields. What the summaries count (class,
# gender, status, left-behind status and periods, categories, guardianship, dates) stays.
SCRUBBED_FIELDS = {
    "pupil": ("id_number", "student_number", "birth_date", "village", "address", "health",
              "character", "interests", "ethnicity", "hukou_place", "disability",
              "disability_grade", "illness", "assistance", "committee_contact",
              "committee_phone"),
    "parent": ("name", "phone", "work_unit", "work_unit_address", "work_unit_phone",
               "id_number", "birth_date"),
    "guardian": ("name", "phone", "address", "health", "id_number", "birth_date"),
}  # fmt: skip


def _cleared(model: type[models.Model], part: str) -> dict[str, Any]:
    """The part's personal fields as a scrubbed archive holds them: empty, no date, no list."""
    empty = {models.DateField: None, ChoiceListField: []}
    return {
        name: empty.get(type(model._meta.get_field(name)), "") for name in SCRUBBED_FIELDS[part]
    }


# History keys whose old and new values are personal: scrubbed with the live ones.
_SCRUBBED_KEYS = frozenset(
    {"pupil.name", *(f"pupil.{field}" for field in SCRUBBED_FIELDS["pupil"])}
    | {f"{part}.{field}" for part in ("father", "mother") for field in SCRUBBED_FIELDS["parent"]}
    | {f"guardian.{field}" for field in SCRUBBED_FIELDS["guardian"]}
)

# Apps above the registry clear what they keep about a child (care records and their photos,
# pair plans): each registers a scrubber from AppConfig.ready(), called with the pupils'
# pks inside the transaction that scrubs them, after they are marked scrubbed.
Scrubber = Callable[[list[int]], None]
_scrubbers: Hooks[Scrubber] = Hooks()
register_scrubber = _scrubbers.register


# Apps above the registry keep figures per term (visits' tallies of care records): each
# registers a listener from AppConfig.ready(), called with a school's pk inside the
# transaction that changed the dates of its terms, to count them again.
CalendarListener = Callable[[int], Any]
_calendar_listeners: Hooks[CalendarListener] = Hooks()
register_calendar_listener = _calendar_listeners.register


def school_calendar_changed(*, school_id: int) -> None:
    """The school's term dates changed: what is counted per term follows."""
    _calendar_listeners.call(school_id)


# Apps above the registry keep figures that depend on whether a member of staff is at work
# (pairing's teacher_paired: a pair counts only with its teacher's account active): each
# registers a listener from AppConfig.ready(), called with the user's pk inside the
# transaction that closed or reopened the account.
StaffListener = Callable[[int], Any]
_staff_listeners: Hooks[StaffListener] = Hooks()
register_staff_listener = _staff_listeners.register


def staff_active_changed(*, user_id: int) -> None:
    """A member of staff's account was closed or reopened: what is kept about it follows."""
    _staff_listeners.call(user_id)


def scrubbed_changes(changes: list[dict], keys: Callable[[str], bool]) -> list[dict]:
    """A history entry's changes with the values of personal fields cleared."""
    return [
        change | {"old": str(SCRUBBED) if change.get("old") else "",
                  "new": str(SCRUBBED) if change.get("new") else ""}
        if keys(change.get("key", "")) else change
        for change in changes
    ]  # fmt: skip


def _is_personal_key(key: str) -> bool:
    return key in _SCRUBBED_KEYS or key.startswith("consent.")


@transaction.atomic
def pupil_scrub(*, pupil: Pupil) -> bool:
    """Clear a leaver's personal fields after the retention time, keep what is counted; the
    history and the access log say so. False if already scrubbed or still at school."""
    pupil = Pupil.objects.select_for_update(of=("self",)).get(pk=pupil.pk)
    if pupil.scrubbed_at is not None or pupil.status == Pupil.Status.ENROLLED:
        return False
    now = timezone.now()
    pupil.name = str(SCRUBBED)
    pupil.name_pinyin, pupil.name_initials = name_pinyin(pupil.name)
    for field, value in _cleared(Pupil, "pupil").items():
        setattr(pupil, field, value)
    pupil.scrubbed_at = now
    pupil.updated_at = now
    pupil.full_clean()
    pupil.save()
    Parent.objects.filter(pupil=pupil).update(**_cleared(Parent, "parent"))
    Guardian.objects.filter(pupil=pupil).update(**_cleared(Guardian, "guardian"))
    archive_flags_refresh(pupil_ids=[pupil.pk])
    Consent.objects.filter(pupil=pupil).update(given_by=str(SCRUBBED), note="")
    LeftBehindPeriod.objects.filter(pupil=pupil).update(note="")
    for revision in ArchiveRevision.objects.filter(pupil=pupil):
        revision.changes = scrubbed_changes(revision.changes, _is_personal_key)
        revision.save(update_fields=["changes"])
    _scrubbers.call([pupil.pk])
    detail = _("按保存期限清除个人信息")
    ArchiveRevision.objects.create(pupil=pupil, actor=None, at=now, summary=detail, changes=[])
    AccessLog.objects.create(
        school_id=pupil.school_id, pupil=pupil, at=now, action=AccessLog.Action.UPDATE,
        detail=detail,
    )  # fmt: skip
    return True
