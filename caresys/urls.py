from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry import views as registry_views

urlpatterns = [
    path("", registry_views.home, name="home"),
    path("login/", registry_views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        registry_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("registry/", include("registry.urls")),
    path("pairing/", include("pairing.urls")),
    path("visits/", include("visits.urls")),
    path("rooms/", include("rooms.urls")),
    path("events/", include("events.urls")),
    path("plans/", include("plans.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("reminders.urls")),
    path("county/", include("county.urls")),
    path("admin/", admin.site.urls),
]
