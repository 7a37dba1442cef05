from django.urls import path

from tally import views

app_name = "tally"
urlpatterns = [
    path("polls/<slug:slug>/results/", views.results_page, name="results"),
    path("api/polls/<slug:slug>/results", views.results_json, name="results-json"),
    path("polls/<slug:slug>/results.svg", views.results_svg, name="results-svg"),
]
