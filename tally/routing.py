from channels.auth import AuthMiddlewareStack
from django.urls import path

from tally.consumers import PresenterConsumer, ResultsConsumer

websocket_urlpatterns = [
    # Only the presenter's socket reads the session: viewers' sockets cost no query for it.
    path("ws/polls/<slug:slug>/present/", AuthMiddlewareStack(PresenterConsumer.as_asgi())),
    path("ws/polls/<slug:slug>/", ResultsConsumer.as_asgi()),
]
