"""Pages of the registry: decorators, access helper, form, service, redirect."""

import datetime
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from caresys.lib.forms import add_service_errors
from caresys.lib.http import paginate, query_without_page, role_required, valid_filters
from caresys.lib.pdf import pdf_response, render_pdf
from caresys.lib.xlsx import xlsx_response
from events import selectors as events_selectors
from pairing import selectors as pairing_selectors
from registry import selectors, services
from registry.forms import (
    AccessLogFilterForm,
    CensusCloseForm,
    CensusConfirmForm,
    CensusRoundForm,
    ConsentForm,
    ConsentWithdrawForm,
    ExportReasonForm,
    GuardianForm,
    ParentForm,
    PupilFilterForm,
    PupilForm,
    RevealForm,
    RosterUploadForm,
    SignInForm,
    census_name_for,
)
from registry.models import AccessLog, Consent, Guardian, Parent, Pupil, Role, RosterUpload
from registry.spreadsheets import blank, columns, exports, importing, planning, reading
from visits import selectors as visits_selectors


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.school_id is None:
        # The bureau's and the townships' readers and the installation's registrar belong to
        # no school: their home is the county's view (its app sits above this one).
        if user.reads_county:
            return redirect("county:home")
        raise PermissionDenied
    if user.reads_whole_school:  # the school's kept counts (ClassTally), not a walk
        counts, archive, grades = selectors.kept_home_figures(
            school_id=user.school_id, by_grade=True
        )
    else:
        pupils = selectors.pupils_visible_to(user=user).filter(status=Pupil.Status.ENROLLED)
        counts, archive, grades = selectors.home_figures(pupils, by_grade=user.reads_whole_school)
    context = {
        "counts": counts,
        "archive": archive,
        "open_emergencies": list(
            visits_selectors.emergencies_visible_to(user=user).filter(closed_at=None)[:10]
        ),
    }
    context["first_steps"] = selectors.first_steps(user=user, counts=counts)
    if user.has_role(Role.CLASS_TEACHER):
        context["census_banners"] = selectors.census_banner_for(user=user)
    if user.reads_whole_school:
        context["grades"] = grades
    else:
        context["classes"] = selectors.classes_visible_to(user=user)
    if not user.reads_whole_school or user.has_role(Role.COUNSELLOR):
        # A teacher's home page leads with what is due (the list itself is 我的待办); a
        # counsellor's with the follow-ups of their counselling.
        context["work"] = visits_selectors.work_of(user=user, with_done=False)
    # The principal sees at once that a high-risk counselling record was written (no content).
    context["high_risk"] = list(visits_selectors.high_risk_alerts(user))
    return render(request, "registry/home.html", context)


@require_GET
@login_required
def pupil_list(request: HttpRequest) -> HttpResponse:
    classes = selectors.class_choices_for(user=request.user)
    by_number = selectors.sees_full_id_number(request.user)
    form = PupilFilterForm(request.GET or None, classes=classes, by_number=by_number)
    filters = valid_filters(form)
    page = paginate(
        request,
        selectors.pupil_list(user=request.user, filters=filters),
        keys_first=True,
        count=selectors.pupil_list_count(user=request.user, filters=filters),
    )
    selectors.count_missing(page)
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "can_create": selectors.can_create_pupil(request.user),
        "sharing_purposes": [(p.value, p.label) for p in selectors.SHARING_PURPOSES],
    }
    return render(request, "registry/pupil_list.html", context)


@require_GET
@login_required
def pupil_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pupil, parents, guardian = selectors.archive_for_user(request.user, pk)
    services.log_access(
        actor=request.user, action=AccessLog.Action.VIEW, pupils=[pupil], request=request
    )
    context = {
        "pupil": pupil,
        "father": parents.get(Parent.Relation.FATHER),
        "mother": parents.get(Parent.Relation.MOTHER),
        "guardian": guardian,
        "missing": selectors.missing_items_as_read(pupil),
        "periods": selectors.periods_of(pupil),
        "can_edit": selectors.can_edit_pupil(request.user, pupil),
        "pairs": pairing_selectors.pairs_of_pupil(pupil),
        "can_pair": pairing_selectors.can_manage_pairs(request.user),
        "care": visits_selectors.care_of_pupil(request.user, pupil),
        "consents": selectors.consents_of(pupil),
        "events": list(events_selectors.events_of_pupil(pupil)),
    }
    return render(request, "registry/pupil_detail.html", context)


@require_http_methods(["GET", "POST"])
@login_required
def pupil_consent(request: HttpRequest, pk: int) -> HttpResponse:
    """Record a guardian's consent, or its withdrawal; those who edit the archive do."""
    pupil = selectors.get_pupil_for_user(request.user, pk, for_edit=True)
    withdrawing = "withdraw" in request.POST
    data = request.POST if request.method == "POST" else None
    form = ConsentForm(None if withdrawing else data, initial=_consent_initial(pupil, request))
    withdraw_form = ConsentWithdrawForm(
        data if withdrawing else None, pupil=pupil, initial={"withdrawn_on": timezone.localdate()}
    )
    try:
        if withdrawing and withdraw_form.is_valid():
            services.consent_withdraw(
                actor=request.user,
                consent=withdraw_form.cleaned_data["consent"],
                on=withdraw_form.cleaned_data["withdrawn_on"],
                request=request,
            )
            messages.success(request, _("已登记撤回同意。"))
            return redirect("registry:pupil_detail", pk=pupil.pk)
        if not withdrawing and form.is_valid():
            services.consent_record(
                actor=request.user, pupil=pupil, request=request, **form.cleaned_data
            )
            messages.success(request, _("已登记知情同意。"))
            return redirect("registry:pupil_detail", pk=pupil.pk)
    except ValidationError as error:
        add_service_errors(withdraw_form if withdrawing else form, error)
    context = {
        "pupil": pupil,
        "form": form,
        "withdraw_form": withdraw_form,
        "consents": selectors.consents_of(pupil),
    }
    return render(request, "registry/consent_form.html", context)


def _consent_initial(pupil: Pupil, request: HttpRequest) -> dict:
    """The guardian on the archive signs most consents; today unless told otherwise."""
    guardian = Guardian.objects.filter(pupil=pupil).first()
    initial = {"given_on": timezone.localdate(), "purpose": request.GET.get("purpose")}
    if guardian is not None:
        initial |= {"given_by": guardian.name, "given_by_relation": guardian.relation}
    return initial


def _archive_forms(request: HttpRequest, pupil: Pupil, classes) -> dict:
    data = request.POST if request.method == "POST" else None
    parents = {parent.relation: parent for parent in pupil.parents.all()} if pupil.pk else {}
    guardian = Guardian.objects.filter(pupil=pupil).first() if pupil.pk else None
    hide = not selectors.sees_full_id_number(request.user)
    return {
        "pupil": PupilForm(
            data,
            instance=pupil,
            classes=classes,
            hide_ids=hide,
            prefix="pupil",
        ),
        "father": ParentForm(
            data, instance=parents.get(Parent.Relation.FATHER), hide_ids=hide, prefix="father"
        ),
        "mother": ParentForm(
            data, instance=parents.get(Parent.Relation.MOTHER), hide_ids=hide, prefix="mother"
        ),
        "guardian": GuardianForm(data, instance=guardian, hide_ids=hide, prefix="guardian"),
    }


def _attach_errors(forms: dict, error: ValidationError) -> None:
    """Put a service's 'part.field' errors beside the field they concern."""
    for key, messages_ in error.message_dict.items():
        part, _dot, field = key.partition(".")
        form = forms.get(part, forms["pupil"])
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)


def _save_archive(request: HttpRequest, forms: dict, pupil: Pupil | None) -> Pupil | None:
    if not all(form.is_valid() for form in forms.values()):
        if forms["pupil"].taken_numbers:
            services.taken_numbers_log(
                actor=request.user, numbers=forms["pupil"].taken_numbers, request=request
            )
        return None
    data = {part: form.archive_data() for part, form in forms.items()}
    since = forms["pupil"].cleaned_data.get("left_behind_since")
    try:
        if pupil is None:
            return services.pupil_create(
                actor=request.user,
                school=request.user.school,
                data=data,
                left_behind_since=since,
                request=request,
            )
        services.archive_update(
            actor=request.user, pupil=pupil, data=data, left_behind_since=since, request=request
        )
        return pupil
    except ValidationError as error:
        _attach_errors(forms, error)
        return None


@require_http_methods(["GET", "POST"])
@login_required
def pupil_create(request: HttpRequest) -> HttpResponse:
    if not selectors.can_create_pupil(request.user):
        raise PermissionDenied
    classes = selectors.classes_editable_by(user=request.user)
    forms = _archive_forms(request, Pupil(school=request.user.school), classes)
    if request.method == "POST" and (pupil := _save_archive(request, forms, None)):
        messages.success(request, _("已为%(name)s建立档案。") % {"name": pupil.name})
        return redirect("registry:pupil_detail", pk=pupil.pk)
    return render(request, "registry/pupil_form.html", {"forms": forms, "pupil": None})


@require_http_methods(["GET", "POST"])
@login_required
def pupil_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = selectors.get_pupil_for_user(request.user, pk, for_edit=True)
    if request.method == "GET":  # the edit form shows the whole archive
        services.log_access(
            actor=request.user,
            action=AccessLog.Action.VIEW,
            pupils=[pupil],
            detail=_("编辑表单"),
            request=request,
        )
    forms = _archive_forms(request, pupil, selectors.classes_editable_by(user=request.user))
    back = _next_url(request)
    if request.method == "POST" and _save_archive(request, forms, pupil):
        messages.success(request, _("档案已保存，修改前的内容可在变更记录中查看。"))
        return redirect(back or reverse("registry:pupil_detail", args=[pupil.pk]))
    context = {"forms": forms, "pupil": pupil, "next": back}
    return render(request, "registry/pupil_form.html", context)


def _next_url(request: HttpRequest) -> str:
    """Where a form sends the person back to (the census page an edit came from), if it is a
    page of this site."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(url, allowed_hosts=None) and url.startswith("/")
    return url if safe else ""


@require_GET
@login_required
def pupil_history(request: HttpRequest, pk: int) -> HttpResponse:
    pupil = selectors.get_pupil_for_user(request.user, pk)
    services.log_access(
        actor=request.user, action=AccessLog.Action.HISTORY, pupils=[pupil], request=request
    )
    page = paginate(request, selectors.revisions_of(pupil), per_page=20)
    for revision in page:
        revision.rows = [_shown_change(request.user, pupil, change) for change in revision.changes]
    context = {"pupil": pupil, "page": page, "periods": selectors.periods_of(pupil)}
    return render(request, "registry/pupil_history.html", context)


def _shown_change(user, pupil: Pupil, change: dict) -> dict:
    """Old and new values of a sensitive field are masked like the live ones."""
    key = change.get("key", "")
    if key not in services.SENSITIVE_KEYS:
        return change
    return change | {
        "old": selectors.shown_value(user, pupil, key, change["old"])[0],
        "new": selectors.shown_value(user, pupil, key, change["new"])[0],
    }


@require_POST
@login_required
def pupil_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The full ID number or phone behind a mask; every reveal is logged."""
    pupil, parents, guardian = selectors.archive_for_user(request.user, pk)
    form = RevealForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"error": _("无法显示该字段。")}, status=400)
    if not services.reveal_allowed(actor=request.user, field=form.cleaned_data["field"]):
        services.log_access(
            actor=request.user,
            action=AccessLog.Action.REFUSED,
            pupils=[pupil],
            detail=_("查看完整证件号码超过每日上限"),
            request=request,
        )
        return JsonResponse(
            {"error": _("今天查看完整证件号码的次数已满，请联系学籍管理员。")}, status=429
        )
    part, _dot, field = form.cleaned_data["field"].partition(".")
    owner = {"pupil": pupil, "guardian": guardian, **parents}.get(part)
    value = getattr(owner, field, "") if owner is not None else ""
    services.log_access(
        actor=request.user,
        action=AccessLog.Action.REVEAL,
        pupils=[pupil],
        detail=form.cleaned_data["field"],
        request=request,
    )
    return JsonResponse({"value": value})


@require_GET
@login_required
def contact_card(request: HttpRequest, pk: int) -> HttpResponse:
    card = pairing_selectors.contact_card_for(request.user, pk)
    services.log_access(
        actor=request.user, action=AccessLog.Action.CARD, pupils=[card.pupil], request=request
    )
    return render(request, "registry/contactcard_detail.html", {"card": card})


@require_GET
@login_required
def contact_card_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    card = pairing_selectors.contact_card_for(request.user, pk)
    content = render_pdf("registry/contactcard_pdf.html", _pdf_context(request, [card]))
    services.log_access(
        actor=request.user,
        action=AccessLog.Action.PDF,
        pupils=[card.pupil],
        detail=_("联系卡PDF"),
        request=request,
    )
    return pdf_response(content, _("联系卡-%(name)s.pdf") % {"name": card.pupil.name})


@require_GET
@login_required
def class_list(request: HttpRequest) -> HttpResponse:
    classes = selectors.classes_visible_to(user=request.user)
    return render(request, "registry/class_list.html", {"classes": classes})


@require_GET
@login_required
def class_cards_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = selectors.get_class_for_user(request.user, pk)
    everyone = request.GET.get("all") == "1"
    cards = pairing_selectors.class_contact_cards(
        user=request.user, school_class=school_class, everyone=everyone
    )
    content = render_pdf(
        "registry/contactcard_pdf.html", _pdf_context(request, cards, school_class)
    )
    services.log_access(
        actor=request.user,
        action=AccessLog.Action.PDF,
        pupils=[card.pupil for card in cards],
        detail=_("班级联系卡PDF %(cls)s") % {"cls": school_class.name},
        request=request,
    )
    return pdf_response(content, _("联系卡-%(cls)s.pdf") % {"cls": school_class.name})


def _pdf_context(request: HttpRequest, cards: list, school_class=None) -> dict:
    return {
        "cards": cards,
        "school": request.user.school,
        "school_class": school_class,
        "printed_at": timezone.localtime(),
        "request": request,
    }


@require_GET
@role_required(Role.ADMIN)
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None, school=request.user.school)
    filters = valid_filters(form)
    page = paginate(request, selectors.access_log_for(user=request.user, filters=filters))
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return render(request, "registry/accesslog_list.html", context)


@require_GET
@role_required(Role.ADMIN)
def access_log_xlsx(request: HttpRequest) -> HttpResponse:
    """The access log as filtered on its page, as a spreadsheet."""
    form = AccessLogFilterForm(request.GET or None, school=request.user.school)
    logs = selectors.access_log_for(user=request.user, filters=valid_filters(form))
    return exports.AccessLogExport(user=request.user, logs=logs).response(request)


# --- sign-in ---------------------------------------------------------------------------------


class SignInView(LoginView):
    """Django's sign-in; the session ends with the browser unless the person ticks their own
    device (then it lasts SESSION_COOKIE_AGE). The idle timeout applies either way."""

    form_class = SignInForm

    def form_valid(self, form: SignInForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session.set_expiry(
            settings.SESSION_COOKIE_AGE if form.cleaned_data["remember"] else 0
        )
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's password change; it also meets the first sign-in's obligation to change an
    initial password (PasswordChangeRequiredMiddleware)."""

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(**kwargs) | {
            "must_change": self.request.user.must_change_password
        }

    def form_valid(self, form) -> HttpResponse:
        services.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)
        return redirect(self.get_success_url())


@require_GET
@role_required(Role.ADMIN)
def signin_pause_list(request: HttpRequest) -> HttpResponse:
    pauses = selectors.signin_pauses_for(user=request.user)
    return render(request, "registry/signin_pause_list.html", {"pauses": pauses})


@require_POST
@role_required(Role.ADMIN)
def signin_pause_lift(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.get_staff_for_registrar(request.user, pk)
    services.signin_pause_lift(actor=request.user, user=user, request=request)
    messages.success(request, _("已解除 %(name)s 的登录暂停。") % {"name": user})
    return redirect("registry:signin_pause_list")


# --- spreadsheets ----------------------------------------------------------------------------


def _list_filters(request: HttpRequest, data) -> dict:
    """The pupil list's filters, read from a query string or a form that carried them."""
    classes = selectors.class_choices_for(user=request.user)
    return valid_filters(PupilFilterForm(data or None, classes=classes))


@require_GET
@login_required
def archive_export(request: HttpRequest) -> HttpResponse:
    """The pupil list, as filtered, as a spreadsheet of whole archives; numbers masked."""
    filters = _list_filters(request, request.GET)
    pupils = selectors.archive_export_rows(user=request.user, filters=filters)
    return exports.ArchiveExport(user=request.user, pupils=pupils, masked=True).response(request)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def archive_export_unmasked(request: HttpRequest) -> HttpResponse:
    """The same with full ID numbers and phones, for the administrator, who says why."""
    data = request.POST if request.method == "POST" else request.GET
    pupils = selectors.archive_export_rows(user=request.user, filters=_list_filters(request, data))
    form = ExportReasonForm(request.POST or None)
    if form.is_valid():
        export = exports.ArchiveExport(
            user=request.user, pupils=pupils, masked=False, reason=form.cleaned_data["reason"]
        )
        return export.response(request)
    carried = [
        (name, value) for name in PupilFilterForm.base_fields for value in data.getlist(name)
    ]
    context = {
        "form": form,
        "carried": carried,
        "list_query": urlencode(carried),
        "count": pupils.count(),
    }
    return render(request, "registry/archive_export_unmasked.html", context)


@require_GET
@login_required
def register_xlsx(request: HttpRequest) -> HttpResponse:
    """留守儿童花名册 of the left-behind children the person reads; phones as on screen."""
    pupils = selectors.register_rows(user=request.user, filters=_list_filters(request, request.GET))
    return exports.RegisterExport(user=request.user, pupils=pupils).response(request)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def sharing_xlsx(request: HttpRequest) -> HttpResponse:
    """共享名单 for volunteers or the village committee: only children whose guardians agreed."""
    purpose = request.GET.get("purpose", Consent.Purpose.VOLUNTEERS)
    filters = _list_filters(request, request.GET)
    pupils, left_out = selectors.sharing_rows(user=request.user, filters=filters, purpose=purpose)
    export = exports.SharingExport(
        user=request.user, pupils=pupils, purpose=purpose, left_out=left_out
    )
    return export.response(request)


@require_GET
@login_required
def statistics_xlsx(request: HttpRequest) -> HttpResponse:
    """留守儿童统计表 of the pupils the person reads."""
    statistics = selectors.ledger_statistics(user=request.user)
    return exports.StatisticsExport(user=request.user, statistics=statistics).response(request)


# The national layouts: 学籍 (是否留守儿童 0/1/2) and the civil-affairs 登记表 of the children its
# definition counts.
NATIONAL_EXPORTS = {"xueji": exports.XuejiExport, "civil_affairs": exports.CivilAffairsExport}


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def xueji_xlsx(request: HttpRequest) -> HttpResponse:
    """The school's pupils in the 学籍 layout; numbers masked (whole: national_export_unmasked)."""
    pupils = selectors.national_layout_rows(user=request.user)
    return exports.XuejiExport(user=request.user, pupils=pupils, masked=True).response(request)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def civil_affairs_xlsx(request: HttpRequest) -> HttpResponse:
    """The civil-affairs 登记表; numbers masked (whole: national_export_unmasked)."""
    pupils = selectors.national_layout_rows(user=request.user)
    export = exports.CivilAffairsExport(user=request.user, pupils=pupils, masked=True)
    return export.response(request)


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def national_export_unmasked(request: HttpRequest, layout: str) -> HttpResponse:
    """A national layout with whole ID numbers and phones, for the administrator, who says why
    (logged with the export, as archive_export_unmasked)."""
    export_class = NATIONAL_EXPORTS[layout]
    pupils = selectors.national_layout_rows(user=request.user)
    form = ExportReasonForm(request.POST or None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        export = export_class(user=request.user, pupils=pupils, masked=False, reason=reason)
        return export.response(request)
    context = {"form": form, "name": export_class.name}
    return render(request, "registry/national_export_unmasked.html", context)


@require_GET
@login_required
def statistics(request: HttpRequest) -> HttpResponse:
    context = {
        "statistics": selectors.ledger_statistics(user=request.user),
        "groups": exports.statistics_groups(),
        "day": timezone.localdate(),
    }
    if request.user.leads_care:  # the two 口径 side by side, for those who report them
        pupils = selectors.pupils_visible_to(user=request.user)
        context["definitions"] = selectors.left_behind_definitions(pupils=pupils)
    return render(request, "registry/statistics.html", context)


# --- roster import ---------------------------------------------------------------------------

IMPORT_ROWS_PER_PAGE = 100
IMPORT_FILTERS = ("all", *planning.STATUS_LABELS)
IMPORT_PLAN_SECONDS = 600


@require_http_methods(["GET", "POST"])
@role_required(Role.ADMIN)
def roster_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RosterUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = importing.roster_upload_create(
                actor=request.user, file=form.cleaned_data["file"]
            )
            return redirect("registry:roster_import_preview", pk=upload.pk)
    else:
        form = RosterUploadForm()
    context = {
        "form": form,
        "columns": columns.COLUMNS,
        "max_rows": reading.max_rows(),
        "max_megabytes": reading.max_bytes() // (1024 * 1024),
    }
    return render(request, "registry/rosterimport_form.html", context)


@require_GET
@role_required(Role.ADMIN)
def roster_template(request: HttpRequest) -> HttpResponse:
    """The blank roster, built from the import's columns."""
    return xlsx_response(blank.write_roster_template, blank.TEMPLATE_PATH.name)


@require_GET
@role_required(Role.ADMIN)
def roster_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    upload = selectors.get_roster_upload_for_user(request.user, pk)
    if upload.is_in_progress:
        return redirect("registry:roster_import_progress", pk=upload.pk)
    return _roster_preview(request, upload)


def _roster_preview(request: HttpRequest, upload: RosterUpload) -> HttpResponse:
    """The dry run: each row's fate, read afresh against the archives as they are now."""
    context: dict = {"upload": upload}
    if upload.status == RosterUpload.Status.PENDING:
        try:
            plan = _roster_plan(request, upload)
        except ValidationError as error:
            context["read_errors"] = error.messages
        else:
            default = planning.ERROR if plan.has_errors else "all"
            show = request.GET.get("show") if request.GET.get("show") in IMPORT_FILTERS else default
            rows = [row for row in plan.rows if show in ("all", row.status)]
            context |= {
                "plan": plan,
                "notes": planning.plan_notes(plan),
                "show": show,
                "filters": [
                    (key, planning.STATUS_LABELS.get(key, _("全部")), plan.counts.get(key))
                    for key in IMPORT_FILTERS
                ],
                "page": paginate(request, rows, per_page=IMPORT_ROWS_PER_PAGE),
                "query": query_without_page(request),
            }
    return render(request, "registry/rosterimport_preview.html", context)


def _roster_plan(
    request: HttpRequest, upload: RosterUpload, *, fresh: bool = False
) -> planning.ImportPlan:
    """The upload planned against the archives; the preview's pages reuse a plan for a while
    (planning 5,000 rows takes seconds), confirming always plans afresh."""
    key = f"caresys:roster-plan:{upload.pk}:{upload.file.name}"  # the name is random
    plan = None if fresh else cache.get(key)
    if plan is None:
        if not upload.file:
            raise Http404
        try:
            with upload.file.open("rb") as file:
                table = reading.read_table(file, upload.original_name)
        except FileNotFoundError as exc:
            raise Http404 from exc
        plan = planning.plan_import(actor=request.user, table=table)
        cache.set(key, plan, IMPORT_PLAN_SECONDS)
    return plan


@require_POST
@role_required(Role.ADMIN)
def roster_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """Queue the previewed import for the worker and show its progress; else the preview again."""
    upload = selectors.get_roster_upload_for_user(request.user, pk)
    if upload.is_in_progress:
        return redirect("registry:roster_import_progress", pk=upload.pk)
    if upload.status != RosterUpload.Status.PENDING:
        return _roster_preview(request, upload)
    try:
        plan = _roster_plan(request, upload, fresh=True)
    except ValidationError:
        return _roster_preview(request, upload)
    fingerprint = request.POST.get("fingerprint", "")
    try:
        importing.roster_upload_confirm(
            actor=request.user, upload=upload, plan=plan, fingerprint=fingerprint
        )
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return _roster_preview(request, upload)
    return redirect("registry:roster_import_progress", pk=upload.pk)


# While an import is queued or running its page reloads itself this often (seconds).
IMPORT_PROGRESS_REFRESH = 2


@require_GET
@role_required(Role.ADMIN)
def roster_import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """Where a confirmed import is: waiting for the worker, rows done of total, or its outcome."""
    upload = selectors.get_roster_upload_for_user(request.user, pk)
    if upload.status == RosterUpload.Status.PENDING:
        return redirect("registry:roster_import_preview", pk=upload.pk)
    context = {
        "upload": upload,
        "refresh": IMPORT_PROGRESS_REFRESH if upload.is_in_progress else None,
        "failed": upload.status == RosterUpload.Status.FAILED,
    }
    return render(request, "registry/rosterimport_progress.html", context)


# --- census rounds (普查/摸底) ------------------------------------------------------------------


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def census_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    initial = {"name": census_name_for(today), "closes_on": today + datetime.timedelta(days=14)}
    return _census_list(request, CensusRoundForm(initial=initial))


def _census_list(request: HttpRequest, form: CensusRoundForm) -> HttpResponse:
    rounds = selectors.census_rounds_for(user=request.user)
    context = {
        "rounds": rounds,
        "open_round": next((census for census in rounds if census.is_open), None),
        "form": form if request.user.is_school_admin else None,
    }
    return render(request, "registry/census_list.html", context)


@require_POST
@role_required(Role.ADMIN)
def census_open(request: HttpRequest) -> HttpResponse:
    form = CensusRoundForm(request.POST)
    if form.is_valid():
        try:
            census = services.census_round_open(
                actor=request.user, request=request, **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("摸底已开始，各班班主任登录后即可看到本班名单。"))
            return redirect("registry:census_progress", pk=census.pk)
    return _census_list(request, form)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def census_progress(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.get_census_round(request.user, pk)
    return _census_progress(request, census, CensusCloseForm())


def _census_progress(request: HttpRequest, census, close_form: CensusCloseForm) -> HttpResponse:
    context = {
        "census": census,
        "progress": selectors.census_progress(census=census),
        "close_form": close_form,
        "today": timezone.localdate(),
    }
    return render(request, "registry/census_progress.html", context)


@require_POST
@role_required(Role.ADMIN)
def census_remind(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.get_census_round(request.user, pk, manage=True)
    try:
        reminded = services.census_remind(actor=request.user, census=census, request=request)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
    else:
        message = _("已提醒%(n)d个班级：班主任登录后首页会显示提醒，直到确认名单。")
        messages.success(request, message % {"n": reminded})
    return redirect("registry:census_progress", pk=census.pk)


@require_POST
@role_required(Role.ADMIN)
def census_close(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.get_census_round(request.user, pk, manage=True)
    form = CensusCloseForm(request.POST)
    if form.is_valid():
        try:
            services.census_round_close(
                actor=request.user, census=census, force=form.cleaned_data["force"],
                request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("摸底已结束，结果如下。"))
            return redirect("registry:census_outcome", pk=census.pk)
    return _census_progress(request, census, form)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def census_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.get_census_round(request.user, pk)
    changes = selectors.census_changes(census=census)
    context = {"census": census, "groups": selectors.census_change_groups(changes)}
    return render(request, "registry/census_outcome.html", context)


@require_GET
@role_required(Role.ADMIN, Role.PRINCIPAL)
def census_outcome_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    census = selectors.get_census_round(request.user, pk)
    changes = selectors.census_changes(census=census)
    return exports.CensusOutcomeExport(user=request.user, census=census, changes=changes).response(
        request
    )


@require_GET
@login_required
def census_class(request: HttpRequest, pk: int, class_pk: int) -> HttpResponse:
    census, school_class = selectors.get_census_class(request.user, pk, class_pk)
    return _census_class(request, census, school_class, CensusConfirmForm())


def _census_class(request: HttpRequest, census, school_class, form) -> HttpResponse:
    progress = selectors.census_class_return(census=census, school_class=school_class)
    context = {
        "census": census,
        "school_class": school_class,
        "census_return": progress,
        "pupils": selectors.census_class_pupils(census=census, school_class=school_class),
        "form": form,
        "can_confirm": census.is_open
        and (request.user.is_school_admin or school_class.head_teacher_id == request.user.pk),
        "here": request.get_full_path(),
    }
    return render(request, "registry/census_class.html", context)


@require_POST
@login_required
def census_confirm(request: HttpRequest, pk: int, class_pk: int) -> HttpResponse:
    census, school_class = selectors.get_census_class(request.user, pk, class_pk, confirm=True)
    form = CensusConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.census_class_confirm(
                actor=request.user, census=census, school_class=school_class,
                note=form.cleaned_data["note"], request=request,
            )  # fmt: skip
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("已确认%(cls)s名单，谢谢！") % {"cls": school_class.name})
            return redirect("registry:census_class", pk=census.pk, class_pk=school_class.pk)
    return _census_class(request, census, school_class, form)
