from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("terms/", views.plan_list, name="plan_list"),
    path("terms/<int:pk>/draft/", views.plan_draft, name="plan_draft"),
    path("<int:pk>/", views.plan_detail, name="plan_detail"),
    path("<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("<int:pk>/plan.pdf", views.plan_pdf, name="plan_pdf"),
    path("<int:pk>/items/new/", views.item_create, name="item_create"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/done/", views.item_done, name="item_done"),
    path("items/<int:pk>/void/", views.item_void, name="item_void"),
]
