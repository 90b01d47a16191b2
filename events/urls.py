from django.urls import path

from events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("new/", views.event_create, name="event_create"),
    path("birthdays/", views.birthday_list, name="birthday_list"),
    path("quotas/", views.quota_settings, name="quota_settings"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/void/", views.event_void, name="event_void"),
    path("<int:pk>/photos/", views.photo_add, name="photo_add"),
    path("<int:pk>/photos/<int:photo_pk>/", views.photo, name="photo"),
    path("<int:pk>/photos/<int:photo_pk>/void/", views.photo_void, name="photo_void"),
]
