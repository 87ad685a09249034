"""``python -m newscrawl`` runs the ``newscrawl`` command."""

from newscrawl.cli import main

raise SystemExit(main())
