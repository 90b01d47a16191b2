"""Pages of the pairing app: decorators, access helper, form, service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.http import chosen_grade, paginate, role_required, row_ids
from pairing import exports, selectors, services
from pairing.forms import (
    HelpPlanForm,
    PairCheckForm,
    PairEndForm,
    PairForm,
    PairingSettingsForm,
    PupilLeaveForm,
    TeacherLeaveForm,
    VolunteerForm,
    YearEndForm,
)
from pairing.models import Pair, PairingSettings
from registry.models import CARE_LEADS, AccessLog, Pupil, Role, User
from registry.selectors import get_pupil_for_user
from registry.services import log_access
from visits import selectors as visits_selectors

# --- the board and pairs -----------------------------------------------------------------------


@require_GET
@role_required(*CARE_LEADS)
def board(request: HttpRequest) -> HttpResponse:
    """Coverage, the unpaired children with a suggested teacher each, loads, idle pairs."""
    school = request.user.school
    board = selectors.board(school, idle=visits_selectors.idle_pairs_of(school))
    # The classes' coverage a grade at a time (a large school has 400); every grade's above.
    grades = selectors.coverage_by_grade(board.classes)
    grade = chosen_grade(request, [row.grade for row in grades])
    context = {
        "board": board,
        "grades": grades,
        "grade": grade,
        "grade_classes": [row for row in board.classes if row.grade == grade] if grade else [],
        "query": f"grade={grade}" if grade is not None else "",
        "meets_target": board.school.meets(board.settings.coverage_target),
        # Long lists in parts: the first UNPAIRED_LISTED children (全部确认 takes every
        # suggestion), the teachers' loads a page at a time (a large school has a thousand).
        "unpaired_listed": board.unpaired[:UNPAIRED_LISTED],
        "loads": paginate(request, board.loads),
    }
    return render(request, "pairing/board.html", context)


UNPAIRED_LISTED = 100


def _proposals(request: HttpRequest) -> list[tuple[Pupil, User]]:
    """The (child, teacher) pairs the form sent as "pupil-teacher", within the school."""
    wanted = []
    for value in request.POST.getlist("proposal"):
        pupil_pk, _dash, teacher_pk = value.partition("-")
        ids = row_ids([pupil_pk, teacher_pk])
        if len(ids) == 2:
            wanted.append((ids[0], ids[1]))
    school_id = request.user.school_id
    children = Pupil.objects.in_care_enrolled(request.user.school)
    pupils = children.in_bulk([pk for pk, _t in wanted])
    teachers = User.objects.filter(school_id=school_id).in_bulk([pk for _p, pk in wanted])
    return [
        (pupils[pupil], teachers[teacher])
        for pupil, teacher in wanted
        if pupil in pupils and teacher in teachers
    ]


@require_POST
@role_required(*CARE_LEADS)
def suggestions_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm one suggested pair, or all of them: all are written, or none."""
    proposals = _proposals(request)
    if not proposals:
        messages.warning(request, _("没有选中任何结对建议。"))
        return redirect("pairing:board")
    try:
        pairs = services.pairs_create(actor=request.user, proposals=proposals, request=request)
    except ValidationError as error:
        messages.error(request, _("未能结对：%(why)s") % {"why": "；".join(error.messages)})
    else:
        messages.success(request, _("已新建%(n)d个结对。") % {"n": len(pairs)})
    return redirect("pairing:board")


def _pair_form(request: HttpRequest, data=None) -> PairForm:
    school_id = request.user.school_id
    settings = PairingSettings.for_school(request.user.school)
    loads = {entry.teacher.pk: entry.load for entry in selectors.teacher_loads(school_id, settings)}
    enrolled = Pupil.objects.filter(school_id=school_id, status=Pupil.Status.ENROLLED)
    order = ("school_class__grade", "school_class__number", "name_pinyin", "pk")
    return PairForm(
        data,
        initial={"pupil": request.GET.get("pupil"), "teacher": request.GET.get("teacher")},
        children=Pupil.objects.in_care_enrolled(request.user.school)
        .select_related("school_class")
        .order_by(*order),
        teachers=User.objects.filter(pk__in=loads).order_by("full_name", "pk"),
        loads=loads,
        pupils=enrolled.select_related("school_class").order_by(*order),
        volunteers=selectors.volunteers_of(school_id),
    )


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def pair_create(request: HttpRequest) -> HttpResponse:
    form = _pair_form(request, request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            pair = services.pair_create(actor=request.user, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已结对：%(pupil)s 与 %(who)s。")
                % {"pupil": pair.pupil, "who": pair.partner_name},
            )
            return redirect("pairing:pair_detail", pk=pair.pk)
    return render(request, "pairing/pair_form.html", {"form": form})


@require_GET
@login_required
def pair_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.get_pair_for_user(request.user, pk)
    log_access(
        actor=request.user,
        action=AccessLog.Action.READ,
        pupils=[pair.pupil],
        detail=_("结对与帮扶计划"),
        request=request,
    )
    settings = PairingSettings.for_school(request.user.school)
    can_edit = pair.is_active and (
        selectors.can_manage_pairs(request.user) or pair.teacher_id == request.user.pk
    )
    context = {
        "pair": pair,
        "plan": selectors.plan_of(pair),
        "checks": selectors.checks_of(pair),
        "idle": visits_selectors.is_idle(
            visits_selectors.with_last_activity(Pair.objects.filter(pk=pair.pk)).get(), settings
        ),
        "settings": settings,
        "can_edit": can_edit,
        "can_end": pair.is_active and selectors.can_manage_pairs(request.user),
        "check_form": PairCheckForm(pair=pair) if can_edit else None,
    }
    return render(request, "pairing/pair_detail.html", context)


def _writable_pair(request: HttpRequest, pk: int) -> Pair:
    pair = selectors.get_pair_for_user(request.user, pk, for_edit=True)
    if not pair.is_active:
        raise PermissionDenied
    return pair


@require_http_methods(["GET", "POST"])
@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pair = _writable_pair(request, pk)
    form = HelpPlanForm(request.POST or None, instance=selectors.plan_of(pair))
    if form.is_valid():
        services.help_plan_update(
            actor=request.user, pair=pair, request=request, **form.cleaned_data
        )
        messages.success(request, _("帮扶计划已保存。"))
        return redirect("pairing:pair_detail", pk=pair.pk)
    return render(request, "pairing/plan_form.html", {"pair": pair, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def check_create(request: HttpRequest, pk: int) -> HttpResponse:
    pair = _writable_pair(request, pk)
    form = PairCheckForm(request.POST or None, pair=pair)
    if form.is_valid():
        services.pair_check_create(
            actor=request.user, pair=pair, request=request, **form.cleaned_data
        )
        messages.success(request, _("定期检查已记录。"))
        return redirect("pairing:pair_detail", pk=pair.pk)
    return render(request, "pairing/check_form.html", {"pair": pair, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def pair_end(request: HttpRequest, pk: int) -> HttpResponse:
    pair = selectors.get_pair_for_user(request.user, pk)
    if not pair.is_active:
        messages.info(request, _("这一结对已经结束。"))
        return redirect("pairing:pair_detail", pk=pair.pk)
    form = PairEndForm(request.POST or None)
    if form.is_valid():
        try:
            services.pair_end(actor=request.user, pair=pair, request=request, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("结对已结束，仍保留在儿童的结对记录中。"))
            return redirect("registry:pupil_detail", pk=pair.pupil_id)
    return render(request, "pairing/pair_end.html", {"pair": pair, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def settings_edit(request: HttpRequest) -> HttpResponse:
    settings = PairingSettings.for_school(request.user.school)
    form = PairingSettingsForm(request.POST or None, instance=settings)
    if form.is_valid():
        services.pairing_settings_update(actor=request.user, **form.cleaned_data)
        messages.success(request, _("结对设置已保存。"))
        return redirect("pairing:board")
    return render(request, "pairing/settings_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def volunteer_list(request: HttpRequest) -> HttpResponse:
    form = VolunteerForm(request.POST or None)
    if form.is_valid():
        volunteer = services.volunteer_create(actor=request.user, **form.cleaned_data)
        messages.success(request, _("已登记志愿者%(name)s。") % {"name": volunteer})
        return redirect("pairing:volunteer_list")
    volunteers = selectors.volunteers_with_children(request.user.school_id)
    return render(request, "pairing/volunteer_list.html", {"form": form, "volunteers": volunteers})


# --- teachers who leave, pupils who leave, the year's end -----------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*CARE_LEADS)
def teacher_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """The leaving teacher's children, each with a suggested replacement."""
    teacher = selectors.get_teacher_for_user(request.user, pk)
    pairs = selectors.teacher_active_pairs(teacher)
    settings = PairingSettings.for_school(request.user.school)
    loads = [
        e
        for e in selectors.teacher_loads(teacher.school_id, settings)
        if e.teacher.pk != teacher.pk
    ]
    suggested = {
        s.pupil.pk: s.teacher.pk
        for s in selectors.suggest_pairs([p.pupil for p in pairs], loads, teacher.school_id)
    }
    # The replacements as users (the service pairs them), the same teachers as the loads'.
    others = selectors.pairable_teachers(teacher.school_id).exclude(pk=teacher.pk)
    form = TeacherLeaveForm(
        request.POST or None,
        pairs=pairs,
        teachers=list(others.order_by("full_name", "pk")),
        loads={e.teacher.pk: e.load for e in loads},
        initial={f"pair_{p.pk}": suggested.get(p.pupil_id) for p in pairs},
    )
    if form.is_valid():
        try:
            ended, made = services.teacher_leave(
                actor=request.user,
                teacher=teacher,
                reassignments=form.reassignments(),
                deactivate=form.cleaned_data["deactivate"],
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已结束%(ended)d个结对，新建%(made)d个。") % {"ended": ended, "made": made},
            )
            return redirect("pairing:board")
    return render(request, "pairing/teacher_leave.html", {"teacher": teacher, "form": form})


@require_http_methods(["GET", "POST"])
@login_required
def pupil_leave(request: HttpRequest, pk: int) -> HttpResponse:
    """A pupil leaves or graduates: the archive stays, marked, and their pairs end."""
    pupil = get_pupil_for_user(request.user, pk, for_edit=True)
    if pupil.status != Pupil.Status.ENROLLED:
        messages.info(request, _("该学生已不在校。"))
        return redirect("registry:pupil_detail", pk=pupil.pk)
    form = PupilLeaveForm(request.POST or None)
    if form.is_valid():
        try:
            ended = services.pupil_leave(
                actor=request.user, pupil=pupil, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已办理离校，档案已保留；结束结对%(n)d个。") % {"n": ended})
            return redirect("registry:pupil_detail", pk=pupil.pk)
    return render(request, "pairing/pupil_leave.html", {"pupil": pupil, "form": form})


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def year_end(request: HttpRequest) -> HttpResponse:
    """Promote every class a grade; the top grade graduates; pairs kept or ended."""
    classes = selectors.active_classes_with_pupils(request.user.school_id)
    staff = User.objects.filter(school_id=request.user.school_id, is_active=True)
    teachers = list(staff.order_by("full_name", "pk"))
    form = YearEndForm(request.POST or None, classes=classes, teachers=teachers)
    if form.is_valid():
        counts = services.year_end_promote(
            actor=request.user,
            top_grade=form.cleaned_data["top_grade"],
            keep_pairs=form.cleaned_data["keep_pairs"],
            head_teachers=form.head_teachers(),
            request=request,
        )
        messages.success(
            request,
            _(
                "学年升级完成：班级升级%(promoted)d个、毕业%(graduated)d人、结束结对%(pairs_ended)d对。"
            )
            % counts,
        )
        return redirect("registry:class_list")
    return render(request, "pairing/year_end.html", {"form": form})


# --- the register and a teacher's own children ----------------------------------------------


@require_GET
@login_required
def my_children(request: HttpRequest) -> HttpResponse:
    """A teacher's paired children with the last contact, idle pairs flagged."""
    settings = PairingSettings.for_school(request.user.school)
    pairs = list(visits_selectors.with_last_activity(selectors.my_pairs(request.user)))
    for pair in pairs:
        pair.idle = visits_selectors.is_idle(pair, settings)
    return render(request, "pairing/my_children.html", {"pairs": pairs, "settings": settings})


def _register_pairs(request: HttpRequest) -> tuple[list[Pair], bool]:
    with_ended = request.GET.get("ended") == "1"
    return list(selectors.register_pairs(user=request.user, with_ended=with_ended)), with_ended


@require_GET
@login_required
def register(request: HttpRequest) -> HttpResponse:
    """结对帮扶登记表, to read and to print, a class (or grade) at a time."""
    with_ended = request.GET.get("ended") == "1"
    part = selectors.register_part(
        user=request.user,
        with_ended=with_ended,
        school_class=next(iter(row_ids(request.GET.getlist("class"))), None),
        grade=next(iter(row_ids(request.GET.getlist("grade"))), None),
    )
    context = {
        "register": part,
        "rows": [
            exports.register_page_row(n, pair, with_ended) for n, pair in enumerate(part.pairs, 1)
        ],
        "with_ended": with_ended,
        "today": timezone.localdate(),
    }
    return render(request, "pairing/register.html", context)


@require_GET
@login_required
def register_xlsx(request: HttpRequest) -> HttpResponse:
    """结对帮扶登记表 as a spreadsheet: the rows of the page."""
    pairs, with_ended = _register_pairs(request)
    export = exports.PairRegisterExport(user=request.user, pairs=pairs, with_ended=with_ended)
    return export.response(request)
