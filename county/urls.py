from django.urls import path

from county import views

app_name = "county"
urlpatterns = [
    path("", views.home, name="home"),
    # The installation's registrar.
    path("schools/", views.schools, name="schools"),
    path("schools/new/", views.school_create, name="school_create"),
    path("townships/new/", views.township_create, name="township_create"),
    path("readers/new/", views.reader_create, name="reader_create"),
]
