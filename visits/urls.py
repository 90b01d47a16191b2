from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("due/", views.work_list, name="work_list"),
    path("settings/", views.settings_edit, name="settings"),
    path("compliance/", views.compliance, name="compliance"),
    path("classes/<int:pk>/", views.class_overview, name="class_overview"),
    path("records/", views.record_list, name="record_list"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("records/<int:pk>/correct/", views.record_correct, name="record_correct"),
    path("records/<int:pk>/void/", views.record_void, name="record_void"),
    path("records/<int:pk>/seen/", views.record_seen, name="record_seen"),
    path("records/<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path(
        "records/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment,
        name="attachment",
    ),
    path("pupils/<int:pk>/watch/", views.watch_create, name="watch_create"),
    path("pupils/<int:pk>/dropout/", views.dropout_create, name="dropout_create"),
    path("emergencies/", views.emergency_list, name="emergency_list"),
    path("emergencies/new/", views.emergency_create, name="emergency_create"),
    path("emergencies/<int:pk>/", views.emergency_detail, name="emergency_detail"),
    path("emergencies/<int:pk>/steps/", views.emergency_step, name="emergency_step"),
    path("emergencies/<int:pk>/report/", views.emergency_report, name="emergency_report"),
    path("emergencies/<int:pk>/close/", views.emergency_close, name="emergency_close"),
    path("dropout/", views.dropout_list, name="dropout_list"),
    path("dropout/<int:pk>/", views.dropout_detail, name="dropout_detail"),
]
