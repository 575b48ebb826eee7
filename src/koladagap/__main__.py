from koladagap.cli import main

raise SystemExit(main())
