"""The web process: HTTP (Django views) and, through Channels, WebSocket."""

import os

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "voting_site.settings")
# Set Django up before anything that imports models (the WebSocket routes will).
django_asgi_app = get_asgi_application()

application = ProtocolTypeRouter({"http": django_asgi_app})
