from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("teachers/", views.teacher_table, name="teacher_table"),
    path("teachers/export.xlsx", views.teacher_table_xlsx, name="teacher_table_xlsx"),
    path("pupils/<int:pk>/growth.pdf", views.growth_archive, name="growth_archive"),
    path("terms/", views.term_report_list, name="term_report_list"),
    path("terms/<int:pk>/", views.term_report_edit, name="term_report_edit"),
    path("terms/<int:pk>/preview/", views.term_report_preview, name="term_report_preview"),
    path("terms/<int:pk>/generate/", views.term_report_generate, name="term_report_generate"),
    path("versions/<int:pk>/", views.term_report_version, name="term_report_version"),
    path("versions/<int:pk>/compare/", views.term_report_compare, name="term_report_compare"),
]
