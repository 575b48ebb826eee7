"""``python -m koladagap``: the ``koladagap`` command (Ctrl-C while starting: exit 130)."""

try:
    from koladagap.cli import main
except KeyboardInterrupt:  # pragma: no cover - a key pressed during the imports
    import sys

    print("koladagap: avbrutet (Ctrl-C)", file=sys.stderr)
    raise SystemExit(130) from None

raise SystemExit(main())
