from fupin.projects.tests.helpers import _clear_cache, allocation, project, source  # noqa: F401
