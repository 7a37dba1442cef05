from django.urls import path

from events import views

app_name = "events"
urlpatterns = [
    path("events/<slug:slug>/", views.event_detail, name="detail"),
    path("events/<slug:slug>/control/", views.control, name="control"),
    path("events/<slug:slug>/clock/", views.clock, name="clock"),
    path(
        "events/<slug:slug>/players/<int:player_id>/remove/",
        views.player_remove_view,
        name="player-remove",
    ),
    path("events/<slug:slug>/players/remove/", views.players_remove_view, name="players-remove"),
    path("events/<slug:slug>/players.csv", views.players_csv, name="players-csv"),
    path("events/<slug:slug>/questions.csv", views.questions_csv, name="questions-csv"),
    path("api/events/<slug:slug>/leaderboard", views.leaderboard_json, name="leaderboard-json"),
    path("api/events/<slug:slug>/me", views.me_json, name="me-json"),
    path("events/<slug:slug>/qr.svg", views.qr_code, name="qr"),
    path("events/<slug:slug>/present/", views.present, name="present"),
    path("events/<slug:slug>/remote/", views.remote, name="remote"),
    path("events/<slug:slug>/report/", views.report, name="report"),
    path("events/<slug:slug>/results.csv", views.results_csv, name="results-csv"),
    path("events/<slug:slug>/entries.csv", views.entries_csv, name="entries-csv"),
]
