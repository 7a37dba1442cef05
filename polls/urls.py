from django.urls import path

from polls import presenter, views

app_name = "polls"
urlpatterns = [
    path("", views.poll_list, name="list"),
    path("j/", views.join, name="join"),
    path("j/<str:code>", views.join, name="join-code"),
    path("polls/<slug:slug>/", views.poll_detail, name="detail"),
    path("polls/<slug:slug>/votes.csv", presenter.votes_csv, name="votes-csv"),
    path("polls/<slug:slug>/invites.csv", presenter.invites_csv, name="invites-csv"),
    path("polls/<slug:slug>/invites/", presenter.invites_print, name="invites-print"),
]
