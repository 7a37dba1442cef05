from django.urls import path

from events import home, me, views

app_name = "events"
urlpatterns = [
    path("host/", home.host_home, name="host"),
    path("host/events/<slug:slug>/copy/", home.event_copy, name="copy"),
    path("host/polls/<slug:slug>/copy/", home.poll_copy, name="poll-copy"),
    path("events/<slug:slug>/", views.event_detail, name="detail"),
    path("events/<slug:slug>/control/", views.control, name="control"),
    path("events/<slug:slug>/clock/", views.clock, name="clock"),
    path("events/<slug:slug>/me/", me.my_data, name="me"),
    path("events/<slug:slug>/me.json", me.my_data_json, name="me-download"),
    path("events/<slug:slug>/me/erase/", me.my_data_erase, name="me-erase"),
    path("events/<slug:slug>/gradebook.csv", views.gradebook, {"fmt": "csv"}, name="gradebook-csv"),
    path(
        "events/<slug:slug>/gradebook.xlsx", views.gradebook, {"fmt": "xlsx"}, name="gradebook-xlsx"
    ),
    path(
        "events/<slug:slug>/players/<int:player_id>/remove/",
        views.player_remove_view,
        name="player-remove",
    ),
    path("events/<slug:slug>/players/remove/", views.players_remove_view, name="players-remove"),
    path("api/events/<slug:slug>/leaderboard", views.leaderboard_json, name="leaderboard-json"),
    path("api/events/<slug:slug>/me", views.me_json, name="me-json"),
    path("events/<slug:slug>/qr.svg", views.qr_code, name="qr"),
    path("events/<slug:slug>/present/", views.present, name="present"),
    path("events/<slug:slug>/remote/", views.remote, name="remote"),
    path("events/<slug:slug>/report/", views.report, name="report"),
    # Each export as CSV and as a spreadsheet: /events/<slug>/results.csv, …/results.xlsx.
    *[
        path(
            f"events/<slug:slug>/{name}.{fmt}",
            views.export,
            {"name": name, "fmt": fmt},
            name=f"{name}-{fmt}",
        )
        for name in views.EXPORTS
        for fmt in ("csv", "xlsx")
    ],
]
