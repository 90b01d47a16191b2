from django.urls import path

from registry import views

app_name = "registry"
urlpatterns = [
    path("pupils/", views.pupil_list, name="pupil_list"),
    path("pupils/new/", views.pupil_create, name="pupil_create"),
    path("pupils/<int:pk>/", views.pupil_detail, name="pupil_detail"),
    path("pupils/<int:pk>/edit/", views.pupil_edit, name="pupil_edit"),
    path("pupils/<int:pk>/history/", views.pupil_history, name="pupil_history"),
    path("pupils/<int:pk>/consent/", views.pupil_consent, name="pupil_consent"),
    path("pupils/<int:pk>/reveal/", views.pupil_reveal, name="pupil_reveal"),
    path("pupils/<int:pk>/card/", views.contact_card, name="contact_card"),
    path("pupils/<int:pk>/card.pdf", views.contact_card_pdf, name="contact_card_pdf"),
    path("classes/", views.class_list, name="class_list"),
    path("classes/<int:pk>/cards.pdf", views.class_cards_pdf, name="class_cards_pdf"),
    path("access-log/", views.access_log, name="access_log"),
    path("access-log/export.xlsx", views.access_log_xlsx, name="access_log_xlsx"),
    path("signin-pauses/", views.signin_pause_list, name="signin_pause_list"),
    path("signin-pauses/<int:pk>/lift/", views.signin_pause_lift, name="signin_pause_lift"),
    # A download is named for what it holds, ends in .xlsx, and sits under the page it is from.
    path("pupils/export.xlsx", views.archive_export, name="archive_export"),
    path("pupils/export-unmasked/", views.archive_export_unmasked, name="archive_export_unmasked"),
    path("pupils/sharing.xlsx", views.sharing_xlsx, name="sharing_xlsx"),
    path("pupils/register.xlsx", views.register_xlsx, name="register_xlsx"),
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/export.xlsx", views.statistics_xlsx, name="statistics_xlsx"),
    path("statistics/xueji.xlsx", views.xueji_xlsx, name="xueji_xlsx"),
    path("statistics/civil-affairs.xlsx", views.civil_affairs_xlsx, name="civil_affairs_xlsx"),
    path("import/", views.roster_import, name="roster_import"),
    path("import/template.xlsx", views.roster_template, name="roster_template"),
    path("import/<int:pk>/", views.roster_import_preview, name="roster_import_preview"),
    path("import/<int:pk>/confirm/", views.roster_import_confirm, name="roster_import_confirm"),
    path("import/<int:pk>/progress/", views.roster_import_progress, name="roster_import_progress"),
    path("census/", views.census_list, name="census_list"),
    path("census/open/", views.census_open, name="census_open"),
    path("census/<int:pk>/", views.census_progress, name="census_progress"),
    path("census/<int:pk>/remind/", views.census_remind, name="census_remind"),
    path("census/<int:pk>/close/", views.census_close, name="census_close"),
    path("census/<int:pk>/outcome/", views.census_outcome, name="census_outcome"),
    path("census/<int:pk>/outcome.xlsx", views.census_outcome_xlsx, name="census_outcome_xlsx"),
    path("census/<int:pk>/classes/<int:class_pk>/", views.census_class, name="census_class"),
    path(
        "census/<int:pk>/classes/<int:class_pk>/confirm/",
        views.census_confirm,
        name="census_confirm",
    ),
]
