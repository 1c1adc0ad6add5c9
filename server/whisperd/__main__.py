from whisperd.cli import main

raise SystemExit(main())
