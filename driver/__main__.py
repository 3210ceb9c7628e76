"""``python -m driver``: the driver command."""

import sys

from .cli import main

sys.exit(main())
