from django.urls import path

from county import views

app_name = "county"
urlpatterns = [
    path("", views.home, name="home"),
    path("schools/", views.dashboard, name="dashboard"),
    path("schools/<int:pk>/", views.school, name="school"),
    path("appraisal/", views.appraisal, name="appraisal"),
    path("appraisal/xlsx/", views.appraisal_xlsx, name="appraisal_xlsx"),
    path("appraisal/weights/", views.appraisal_weights, name="appraisal_weights"),
]
