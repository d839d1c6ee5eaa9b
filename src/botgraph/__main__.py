"""``python -m botgraph`` runs the command line."""

from botgraph.cli import main

raise SystemExit(main())
