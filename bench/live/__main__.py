import sys

from bench.live.cli import main

sys.exit(main())
