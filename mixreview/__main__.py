"""``python -m mixreview``: the same as the ``mixreview`` command."""

import sys

from mixreview.cli import main

sys.exit(main())
