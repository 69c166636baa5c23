#!/usr/bin/env python
"""Django's manage.py; `ggzy` (ggzy/cli.py) is the same with friendlier defaults."""

import sys

from ggzy.cli import main

if __name__ == "__main__":
    sys.exit(main())
