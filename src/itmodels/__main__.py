"""``python -m itmodels`` runs the ``itmodels`` command."""

import sys

from itmodels.cli import main

sys.exit(main())
