from django.urls import path

from pairing import views

app_name = "pairing"

urlpatterns = [
    path("", views.board, name="board"),
    path("suggestions/confirm/", views.suggestions_confirm, name="suggestions_confirm"),
    path("new/", views.pair_create, name="pair_create"),
    path("<int:pk>/", views.pair_detail, name="pair_detail"),
    path("<int:pk>/plan/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/checks/new/", views.check_create, name="check_create"),
    path("<int:pk>/end/", views.pair_end, name="pair_end"),
    path("settings/", views.settings_edit, name="settings"),
    path("volunteers/", views.volunteer_list, name="volunteer_list"),
    # Teachers who leave, and the year's end.
    path("teachers/<int:pk>/leave/", views.teacher_leave, name="teacher_leave"),
    path("year-end/", views.year_end, name="year_end"),
    path("pupils/<int:pk>/leave/", views.pupil_leave, name="pupil_leave"),
    # The register and a teacher's own children.
    path("mine/", views.my_children, name="my_children"),
    path("register/", views.register, name="register"),
    path("register/export.xlsx", views.register_xlsx, name="register_xlsx"),
]
