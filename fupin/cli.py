"""The `fupin` console script: every management command, e.g. `fupin demo`."""

import os
import sys

from django.core.management import execute_from_command_line


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fupin.settings")

    args = sys.argv[1:]
    if args and not args[0].startswith("-"):
        # `fupin import-registry` runs the management command `import_registry`.
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["fupin", *args])


if __name__ == "__main__":
    main()
