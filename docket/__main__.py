"""`python -m docket` is the `docket` command, for a machine where the script is not on PATH."""

import sys

from docket.cli import main

sys.exit(main())
