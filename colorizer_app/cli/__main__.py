import sys

from colorizer_app.cli import main

sys.exit(main())
