from django.urls import path

from county import views

app_name = "county"
urlpatterns = [
    path("", views.home, name="home"),
]
