from django.urls import path

from tally.consumers import ResultsConsumer

websocket_urlpatterns = [
    path("ws/polls/<slug:slug>/", ResultsConsumer.as_asgi()),
]
