import sys

from salpim.cli import main

sys.exit(main())
