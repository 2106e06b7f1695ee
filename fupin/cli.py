"""The `fupin` console script: every management command, e.g. `fupin demo`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["fupin", *sys.argv[1:]])


if __name__ == "__main__":
    main()
