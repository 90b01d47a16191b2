"""Pages of care records: decorators, access helper, form, service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.http import (
    chosen_grade,
    paginate,
    query_without_page,
    role_required,
    valid_filters,
)
from registry import services as registry_services
from registry.models import CARE_LEADS, AccessLog, Role
from registry.selectors import class_choices_for, get_pupil_for_user, pupils_visible_to
from visits import due, selectors, services
from visits.forms import (
    AttachmentsForm,
    CareRecordForm,
    CareSettingsForm,
    DropoutActionForm,
    DropoutCaseForm,
    EmergencyCloseForm,
    EmergencyForm,
    EmergencyStepForm,
    MandatoryReportForm,
    RecordCorrectForm,
    RecordFilterForm,
    RecordVoidForm,
    WatchEventForm,
)
from visits.models import CareRecord, CareSettings, EmergencyStep


@require_http_methods(["GET", "POST"])
@login_required
def record_create(request: HttpRequest) -> HttpResponse:
    """Write a care record for one or more of the user's children."""
    kinds = selectors.kinds_writable_by(request.user)
    if not kinds:
        raise PermissionDenied
    form, query = _record_form(request, kinds)
    if form.is_valid():
        try:
            record = services.record_create(
                actor=request.user,
                pupils=list(form.cleaned_data["pupils"]),
                uploads=form.cleaned_data["files"],
                request=request,
                **form.record_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if record.recorded_late:
                messages.warning(
                    request,
                    _(
                        "已记录%(kind)s，标为补记：它所在的月份或学期已经结束，计入当时的完成情况时会注明补记。"
                    )
                    % {"kind": record.get_kind_display()},
                )
            else:
                messages.success(
                    request, _("已记录%(kind)s。") % {"kind": record.get_kind_display()}
                )
            return redirect("visits:record_detail", pk=record.pk)
    context = {
        "form": form,
        "query": query,
        # The administrator and counsellors choose among the whole school: a search finds them.
        "whole_school": selectors.records_for_whole_school(request.user),
    }
    return render(request, "visits/record_form.html", context)


def _record_form(request: HttpRequest, kinds: list) -> tuple[CareRecordForm, str]:
    """The form as sent; or, when 查找 was pressed (the search without JavaScript), as typed
    so far with what the search found; or new, with the children and kind the link names
    (else the kind of the person's latest record). Also the search typed."""
    query = request.POST.get("q", "").strip()
    if "find" in request.POST:
        chosen = request.POST.getlist("pupils")
        data, initial = None, {name: request.POST.get(name) for name in request.POST}
    elif request.method == "POST":
        chosen, data, initial = request.POST.getlist("pupils"), request.POST, {}
    else:
        chosen, data = request.GET.getlist("pupil"), None
        initial = {"kind": request.GET.get("kind") or selectors.last_kind_of(request.user)}
    form = CareRecordForm(
        data,
        request.FILES if data else None,
        initial=initial | {"pupils": chosen},
        pupils=selectors.pupils_writable_by(user=request.user),
        shown=selectors.pupils_to_pick(user=request.user, chosen=chosen, query=query),
        kinds=kinds,
    )
    return form, query


@require_GET
@login_required
def record_pupils(request: HttpRequest) -> JsonResponse:
    """The record form's search: at most 20 children the user may write for, by name, pinyin
    or initials, their own first. Names only (no archive is read), so not logged."""
    if not selectors.kinds_writable_by(request.user):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    pupils = selectors.pupils_matching(user=request.user, query=query) if query else []
    field = CareRecordForm.base_fields["pupils"]
    found = [
        {
            "id": pupil.pk,
            "label": field.label_from_instance(pupil),
            "class": str(pupil.school_class or ""),
            "search": f"{pupil.name} {pupil.name_pinyin} {pupil.name_initials}",
            "mine": pupil.mine,
        }
        for pupil in pupils
    ]
    return JsonResponse({"pupils": found})


@require_GET
@login_required
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    record = selectors.get_record_for_user(request.user, pk)
    return _record_page(request, record, AttachmentsForm())


def _record_page(
    request: HttpRequest, record: CareRecord, attachments_form: AttachmentsForm
) -> HttpResponse:
    """The record's page (its reading logged), with the attachments form as given."""
    pupils = list(selectors.children_named_to(request.user, record.pupils))
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=pupils,
        detail=_("关爱记录：%(kind)s") % {"kind": record.get_kind_display()},
        request=request,
    )
    context = {
        "record": record,
        "pupils": pupils,
        "shows_content": selectors.shows_content(request.user, record),
        "revisions": record.revisions.select_related("actor"),
        "answered": record.answered_events.all(),
        "attachments": record.attachments.all(),
        "can_change": selectors.can_change_record(request.user, record),
        "attachments_form": attachments_form,
        "awaits_seen": selectors.high_risk_alerts(request.user).filter(pk=record.pk).exists(),
    }
    return render(request, "visits/record_detail.html", context)


@require_POST
@role_required(Role.PRINCIPAL)
def record_seen(request: HttpRequest, pk: int) -> HttpResponse:
    """The principal marks a high-risk counselling record seen: its alert leaves their home."""
    record = selectors.get_record_for_user(request.user, pk)
    try:
        services.high_risk_acknowledge(actor=request.user, record=record, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("已标记为已阅，首页不再提醒这条记录。"))
    return redirect("home")


@require_http_methods(["GET", "POST"])
@login_required
def watch_create(request: HttpRequest, pk: int) -> HttpResponse:
    """五必访: anyone who reads the child notes what they saw; a visit becomes due."""
    pupil = get_pupil_for_user(request.user, pk)
    form = WatchEventForm(request.POST or None)
    if form.is_valid():
        try:
            event = services.watch_event_create(
                actor=request.user, pupil=pupil, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(
                request,
                _("已登记“%(kind)s”：请在%(day)s前家访或谈心。")
                % {"kind": event.get_kind_display(), "day": event.due_on.isoformat()},
            )
            return redirect("registry:pupil_detail", pk=pupil.pk)
    return render(request, "visits/watch_form.html", {"form": form, "pupil": pupil})


@require_GET
@login_required
def work_list(request: HttpRequest) -> HttpResponse:
    """我的待办: overdue and due care for the teacher's children, and this week's records."""
    context = {
        "work": selectors.work_of(user=request.user),
        "today": timezone.localdate(),
        # The principal and the 德育主任 come here for the school's work, not to write records.
        "writes_records": bool(set(request.user.roles) - {Role.PRINCIPAL, Role.MORAL_LEAD}),
    }
    return render(request, "visits/work_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def settings_edit(request: HttpRequest) -> HttpResponse:
    """The school's quotas for care work (defaults from the schools' own rules)."""
    settings = CareSettings.for_school(request.user.school)
    form = CareSettingsForm(request.POST or None, instance=settings)
    if form.is_valid():
        services.care_settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("关爱工作设置已保存。"))
        return redirect("visits:work_list")
    return render(request, "visits/settings_form.html", {"form": form})


@require_GET
@role_required(*CARE_LEADS)
def compliance(request: HttpRequest) -> HttpResponse:
    """The principal's view: quotas met by class and by teacher; children with no contact."""
    settings = CareSettings.for_school(request.user.school)
    # A page of teachers at a time: a large school has a thousand.
    page = paginate(request, due.answering_teacher_ids(request.user.school_id))
    report = due.compliance(
        school_id=request.user.school_id,
        settings=settings,
        today=timezone.localdate(),
        teacher_ids=list(page),
    )
    # The classes a grade at a time (a large school has 400); every grade's sums above them.
    grades = report.grades
    grade = chosen_grade(request, [row.grade for row in grades])
    context = {
        "report": report,
        "settings": settings,
        "page": page,
        "grades": grades,
        "grade": grade,
        "grade_classes": report.classes_of(grade) if grade is not None else [],
        "query": f"grade={grade}" if grade is not None else "",  # the teachers' pages keep it
    }
    return render(request, "visits/compliance.html", context)


@require_GET
@login_required
def record_list(request: HttpRequest) -> HttpResponse:
    """Records about the user's children, newest first, filtered by kind, class and month."""
    form = RecordFilterForm(
        request.GET or None,
        classes=class_choices_for(user=request.user),
        school_id=request.user.school_id,
    )
    filters = valid_filters(form)
    records = selectors.record_list(user=request.user, filters=filters)
    page = paginate(
        request, records, count=selectors.record_list_count(user=request.user, filters=filters)
    )
    selectors.name_visible_pupils(page, user=request.user)
    context = {
        "form": form,
        "author": filters.get("author"),
        "without_author": query_without_page(request, "author"),
        "page": page,
        "query": query_without_page(request),
        "reads_counselling": request.user.reads_counselling,
    }
    return render(request, "visits/record_list.html", context)


def _record_to_change(request: HttpRequest, pk: int):
    """A record its author or the administrator may change: 404 out of scope, 403 to readers."""
    record = selectors.get_record_for_user(request.user, pk)
    if not selectors.can_change_record(request.user, record):
        raise PermissionDenied
    return record


@require_http_methods(["GET", "POST"])
@login_required
def record_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a record; the old values stay in its history."""
    record = _record_to_change(request, pk)
    form = RecordCorrectForm(request.POST or None, instance=record)
    if form.is_valid():
        try:
            revision = services.record_correct(
                actor=request.user, record=record, changes=form.cleaned_data, request=request
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            if revision is None:
                messages.info(request, _("没有修改任何内容。"))
            else:
                messages.success(request, _("记录已更正，原来的内容保留在修改记录中。"))
            return redirect("visits:record_detail", pk=record.pk)
    return render(request, "visits/record_correct.html", {"form": form, "record": record})


@require_http_methods(["GET", "POST"])
@login_required
def record_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a record entered by mistake: it stays, marked, with the reason."""
    record = _record_to_change(request, pk)
    form = RecordVoidForm(request.POST or None)
    if form.is_valid():
        try:
            services.record_void(
                actor=request.user,
                record=record,
                reason=form.cleaned_data["void_reason"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("记录已作废。"))
            return redirect("visits:record_detail", pk=record.pk)
    return render(request, "visits/record_void.html", {"form": form, "record": record})


@require_POST
@login_required
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    record = _record_to_change(request, pk)
    form = AttachmentsForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values()
                                         for message in errors))  # fmt: skip
    elif not form.cleaned_data["files"]:
        messages.error(request, _("请选择要上传的文件。"))
    else:
        try:
            services.attachments_add(
                actor=request.user,
                record=record,
                uploads=form.cleaned_data["files"],
                kind=form.cleaned_data["kind"],
                request=request,
            )
        except ValidationError as error:
            # Beside the file field, on the record's page (a photo refused for consent).
            form.add_error("files", error.messages)
            return _record_page(request, record, form)
        else:
            messages.success(request, _("附件已上传。"))
    return redirect("visits:record_detail", pk=record.pk)


@require_GET
@login_required
def attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """An attachment, to those who read the record; each opening is logged."""
    item = selectors.attachment_for_user(request.user, pk, attachment_pk)
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.RECORD,
        pupils=item.record.pupils.all(),
        detail=_("查看附件：%(name)s") % {"name": item.original_name},
        request=request,
    )
    response = FileResponse(
        item.file.open("rb"),
        content_type=item.content_type,
        # A PDF opened in the browser would run with this site's origin: it is downloaded.
        as_attachment=not item.is_image,
        filename=item.original_name,
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@login_required
def class_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """A class teacher's overview of the class: each left-behind child's quotas this month
    and term, last contact, open 五必访, pairs."""
    school_class = selectors.get_class_for_overview(request.user, pk)
    settings = CareSettings.for_school(request.user.school)
    today = timezone.localdate()
    meetings = selectors.class_quotas(school_class=school_class, today=today)
    context = {
        "school_class": school_class,
        "overview": due.class_overview(
            school_class=school_class, settings=settings, today=today, meetings=meetings
        ),
        "settings": settings,
    }
    return render(request, "visits/class_overview.html", context)


# --- emergencies ---------------------------------------------------------------------------------


@require_GET
@login_required
def emergency_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.emergencies_visible_to(user=request.user))
    return render(request, "visits/emergency_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
@login_required
def emergency_create(request: HttpRequest) -> HttpResponse:
    """Anyone who reads a child reports an emergency about them; the principal sees it at once."""
    pupils = selectors.pupils_for_emergency(user=request.user)
    form = EmergencyForm(
        request.POST or None,
        pupils=pupils,
        initial={"pupils": request.GET.getlist("pupil"), "occurred_at": timezone.localtime()},
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            emergency = services.emergency_create(
                actor=request.user, pupils=list(data.pop("pupils")), request=request, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(request, _("已登记突发事件。请按 A、B、C 三步处置并逐步登记。"))
            return redirect("visits:emergency_detail", pk=emergency.pk)
    return render(request, "visits/emergency_form.html", {"form": form})


def _three_steps() -> list[tuple[str, str]]:
    """Steps A, B and C as choices (the mandatory report has its own form)."""
    return [(value, EmergencyStep.Step(value).label) for value in EmergencyStep.THREE_STEPS]


def _emergency_page(
    request: HttpRequest, emergency, step_form=None, close_form=None, report_form=None
):
    pupils = list(selectors.children_named_to(request.user, emergency.pupils))
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=pupils,
        detail=_("突发事件"),
        request=request,
    )
    done = {step.step: step for step in emergency.steps.select_related("recorded_by")}
    three = _three_steps()
    left = [(value, label) for value, label in three if value not in done]
    now = timezone.localtime()
    context = {
        "emergency": emergency,
        "pupils": pupils,
        "steps": [(value, label, done.get(value)) for value, label in three],
        "can_handle": emergency.is_open and selectors.can_handle_emergency(request.user, emergency),
        "can_close": emergency.is_open and selectors.can_close_emergency(request.user),
        "step_form": step_form or EmergencyStepForm(steps_left=left, initial={"done_at": now}),
        "close_form": close_form or EmergencyCloseForm(),
        "steps_left": left,
        "mandatory_report": done.get(EmergencyStep.Step.MANDATORY),
        "report_form": report_form or MandatoryReportForm(initial={"done_at": now}),
        "now": now,
    }
    return render(request, "visits/emergency_detail.html", context)


@require_GET
@login_required
def emergency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _emergency_page(request, selectors.get_emergency_for_user(request.user, pk))


@require_POST
@login_required
def emergency_step(request: HttpRequest, pk: int) -> HttpResponse:
    """Record step A, B or C with its time and the people who acted."""
    emergency = selectors.get_emergency_for_user(request.user, pk)
    if not selectors.can_handle_emergency(request.user, emergency):
        raise PermissionDenied
    form = EmergencyStepForm(request.POST, steps_left=_three_steps())
    if form.is_valid():
        try:
            step = services.emergency_step_record(
                actor=request.user, emergency=emergency, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记：%(step)s") % {"step": step.get_step_display()})
            return redirect("visits:emergency_detail", pk=emergency.pk)
    return _emergency_page(request, emergency, step_form=form)


@require_POST
@login_required
def emergency_report(request: HttpRequest, pk: int) -> HttpResponse:
    """强制报告: a suspected abuse reported to 公安 or 民政, with the time, who, the receipt."""
    emergency = selectors.get_emergency_for_user(request.user, pk)
    if not selectors.can_handle_emergency(request.user, emergency):
        raise PermissionDenied
    form = MandatoryReportForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_step_record(
                actor=request.user,
                emergency=emergency,
                step=EmergencyStep.Step.MANDATORY,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记强制报告。"))
            return redirect("visits:emergency_detail", pk=emergency.pk)
    return _emergency_page(request, emergency, report_form=form)


@require_POST
@role_required(*CARE_LEADS)
def emergency_close(request: HttpRequest, pk: int) -> HttpResponse:
    emergency = selectors.get_emergency_for_user(request.user, pk)
    form = EmergencyCloseForm(request.POST)
    if form.is_valid():
        try:
            services.emergency_close(
                actor=request.user, emergency=emergency, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("事件已结案。"))
            return redirect("visits:emergency_detail", pk=emergency.pk)
    return _emergency_page(request, emergency, close_form=form)


# --- dropout watch -------------------------------------------------------------------------------


@require_GET
@login_required
def dropout_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, selectors.dropout_cases_visible_to(user=request.user))
    unwatched = selectors.marked_dropout_unwatched(pupils_visible_to(user=request.user))
    context = {"page": page, "unwatched": unwatched.select_related("school_class")[:50]}
    return render(request, "visits/dropout_list.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def dropout_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a child on the dropout watch, from their archive."""
    pupil = get_pupil_for_user(request.user, pk)
    if not selectors.can_manage_dropout(request.user, pupil):
        raise PermissionDenied
    form = DropoutCaseForm(request.POST or None)
    if form.is_valid():
        try:
            case = services.dropout_case_open(
                actor=request.user, pupil=pupil, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.warning(request, _("已列入控辍保学名单。"))
            return redirect("visits:dropout_detail", pk=case.pk)
    return render(request, "visits/dropout_form.html", {"form": form, "pupil": pupil})


@require_http_methods(["GET", "POST"])
@login_required
def dropout_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A dropout case with its actions; those who manage it add the next action here."""
    case = selectors.get_dropout_case_for_user(request.user, pk)
    registry_services.log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=[case.pupil],
        detail=_("控辍保学"),
        request=request,
    )
    can_manage = case.is_open and selectors.can_manage_dropout(request.user, case.pupil)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied
    form = DropoutActionForm(request.POST or None, initial={"status_after": case.status})
    if form.is_valid():
        try:
            services.dropout_action_add(
                actor=request.user, case=case, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已登记措施。"))
            return redirect("visits:dropout_detail", pk=case.pk)
    context = {
        "case": case,
        "actions": case.actions.select_related("actor"),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "visits/dropout_detail.html", context)
