from django.urls import path

from county import views

app_name = "county"
urlpatterns = [
    path("", views.home, name="home"),
    path("schools/", views.dashboard, name="dashboard"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("appraisal/", views.appraisal, name="appraisal"),
    path("registers/", views.registers, name="registers"),
    path("registers/xueji.xlsx", views.registers_xueji_xlsx, name="registers_xueji_xlsx"),
    path(
        "registers/civil-affairs.xlsx",
        views.registers_civil_affairs_xlsx,
        name="registers_civil_affairs_xlsx",
    ),
    path("appraisal/xlsx/", views.appraisal_xlsx, name="appraisal_xlsx"),
    path("appraisal/weights/", views.appraisal_weights, name="appraisal_weights"),
    path("rollup/", views.rollup_list, name="rollup_list"),
    path("rollup/<int:pk>/", views.rollup_edit, name="rollup_edit"),
    path("rollup/<int:pk>/recount/", views.rollup_recount, name="rollup_recount"),
    path("rollup/versions/<int:pk>/", views.rollup_version, name="rollup_version"),
    # The installation's registrar.
    path("registrar/", views.schools, name="schools"),
    path("registrar/schools/new/", views.school_create, name="school_create"),
    path("registrar/townships/new/", views.township_create, name="township_create"),
    path("registrar/readers/new/", views.reader_create, name="reader_create"),
]
