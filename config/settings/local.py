"""Developer machine: `make run`."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
GGZY_SHOW_DEMO_USERS = env_bool("GGZY_SHOW_DEMO_USERS", True)
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
