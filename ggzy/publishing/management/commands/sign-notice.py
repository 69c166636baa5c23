"""``ggzy sign-notice``: the spelling the issue and the documentation use. Django finds commands by
file name, so this file makes the hyphenated name an alias of ``sign_notice``."""

from ggzy.publishing.management.commands.sign_notice import Command

__all__ = ["Command"]
