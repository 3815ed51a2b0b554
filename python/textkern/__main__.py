"""``python -m textkern``: the same as the ``textkern`` command."""
import sys

from .cli import main

sys.exit(main())
