import sys

from rom.cli import main

sys.exit(main())
