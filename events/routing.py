from channels.auth import AuthMiddlewareStack
from django.urls import path

from events.consumers import EventConsumer, EventPresenterConsumer

websocket_urlpatterns = [
    # Only the presenter's socket reads the session: the audience's cost no query for it.
    path("ws/events/<slug:slug>/present/", AuthMiddlewareStack(EventPresenterConsumer.as_asgi())),
    path("ws/events/<slug:slug>/", EventConsumer.as_asgi()),
]
