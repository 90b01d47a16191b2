from django.urls import path

from visits import views

app_name = "visits"

urlpatterns = [
    path("due/", views.work_list, name="work_list"),
    path("settings/", views.settings_edit, name="settings"),
    path("compliance/", views.compliance, name="compliance"),
    path("records/new/", views.record_create, name="record_create"),
    path("records/<int:pk>/", views.record_detail, name="record_detail"),
    path("pupils/<int:pk>/watch/", views.watch_create, name="watch_create"),
]
