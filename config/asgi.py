"""ASGI entry point used by `ggzy serve --interface asgi` (granian): the same Django site, plus
long-lived streams (the opening hall's server-sent events) held as coroutines instead of threads
(docs/adr/0019-opening-hall-live-feed.md)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
application = get_asgi_application()
