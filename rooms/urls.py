from django.urls import path

from rooms import views

app_name = "rooms"

urlpatterns = [
    path("", views.room_list, name="room_list"),
    path("new/", views.room_create, name="room_create"),
    path("<int:pk>/edit/", views.room_edit, name="room_edit"),
    path("<int:pk>/slots/new/", views.slot_create, name="slot_create"),
    path("slots/<int:pk>/edit/", views.slot_edit, name="slot_edit"),
    path("slots/<int:pk>/stop/", views.slot_stop, name="slot_stop"),
    path("<int:pk>/log/", views.room_log, name="room_log"),
    path("today/", views.today, name="today"),
    path("slots/<int:pk>/open/", views.opening_create, name="opening_create"),
    path("openings/<int:pk>/", views.opening_detail, name="opening"),
    path("uses/<int:pk>/void/", views.use_void, name="use_void"),
    path("missed/", views.missed, name="missed"),
]
