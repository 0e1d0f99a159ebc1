"""``python -m skactive``: the command line of skactive.

See :func:`skactive.experiments._cli.main` (``run``, ``demo``, ``plot``,
``list`` sub-commands).
"""

import sys

from .experiments._cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
