"""Serve Apache ECharts from our own static files (the intranet has no internet, so no CDN).

`npm ci` (run by `make install`) puts the pinned release from package-lock.json under
node_modules/. This finder exposes only the one file the pages load, as
`vendor/echarts/echarts.min.js`, so collectstatic copies 1 MB instead of the package's
50 MB of builds and source maps. WhiteNoise serves it like any other static file.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Warning as CheckWarning
from django.core.files.storage import FileSystemStorage

ECHARTS_STATIC = "vendor/echarts/echarts.min.js"
LICENSE_STATIC = "vendor/echarts/LICENSE"


def node_modules() -> Path:
    return Path(getattr(settings, "FUPIN_NODE_MODULES", settings.BASE_DIR / "node_modules"))


def vendor_files() -> dict[str, Path]:
    """Static path → file in node_modules, for the files that exist."""
    echarts = node_modules() / "echarts"
    files = {
        ECHARTS_STATIC: echarts / "dist" / "echarts.min.js",
        LICENSE_STATIC: echarts / "LICENSE",
    }
    return {name: path for name, path in files.items() if path.is_file()}


MISSING = (
    "Apache ECharts is not installed: run `make install` (it runs `npm ci`, which installs "
    "the version pinned in package-lock.json into node_modules/)."
)


class PrefixedStorage(FileSystemStorage):
    """A storage whose files collectstatic copies under `prefix` (as Django's
    AppStaticStorage does)."""

    def __init__(self, location: str, prefix: str) -> None:
        super().__init__(location=location)
        self.prefix = prefix


class VendorFinder(BaseFinder):
    """Finds the vendored browser libraries installed by npm."""

    def check(self, **kwargs):
        if ECHARTS_STATIC not in vendor_files():
            return [CheckWarning(MISSING, id="dashboards.W001")]
        return []

    def find(self, path, find_all=False, **kwargs):
        found = vendor_files().get(path)
        if found is None:
            return []  # as Django's finders do: "no match" for find() to go on
        return [str(found)] if find_all else str(found)

    def list(self, ignore_patterns):
        for name, path in vendor_files().items():
            # storage rooted at the file's directory, path relative to the static prefix
            yield path.name, PrefixedStorage(str(path.parent), str(Path(name).parent))
