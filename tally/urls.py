from django.urls import path

from tally import projector, verify, views

app_name = "tally"
urlpatterns = [
    path("polls/<slug:slug>/results/", views.results_page, name="results"),
    path("api/polls/<slug:slug>/results", views.results_json, name="results-json"),
    path("polls/<slug:slug>/results.svg", views.results_svg, name="results-svg"),
    path("polls/<slug:slug>/results.csv", projector.results_csv, name="results-csv"),
    path("polls/<slug:slug>/audit.json", verify.audit_json, name="audit-json"),
    path("polls/<slug:slug>/audit.csv", verify.audit_csv, name="audit-csv"),
    path("polls/<slug:slug>/verify/", verify.verify_page, name="verify"),
    path("polls/<slug:slug>/present/", projector.present, name="present"),
    path("polls/<slug:slug>/control/", projector.control, name="control"),
    path("polls/<slug:slug>/qr.svg", projector.qr_code, name="qr"),
    path("polls/<slug:slug>/remote/", projector.remote, name="remote"),
    path("polls/<slug:slug>/moderation/", projector.moderation, name="moderation"),
    path("polls/<slug:slug>/moderate/", projector.moderate, name="moderate"),
]
