from django.urls import path

from dwapp import views

urlpatterns = [
    path("", views.index),
    path("db/", views.db),
    path("slow/", views.slow),
]
