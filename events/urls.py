from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("events/<slug:slug>/", views.event_detail, name="detail"),
    path("events/<slug:slug>/control/", views.control, name="control"),
    path("events/<slug:slug>/qr.svg", views.qr_code, name="qr"),
    path("events/<slug:slug>/present/", views.present, name="present"),
    path("events/<slug:slug>/remote/", views.remote, name="remote"),
    path("events/<slug:slug>/report/", views.report, name="report"),
    path("events/<slug:slug>/results.csv", views.results_csv, name="results-csv"),
    path("events/<slug:slug>/entries.csv", views.entries_csv, name="entries-csv"),
]
