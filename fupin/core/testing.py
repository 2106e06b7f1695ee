"""The test run's environment, loaded by pytest before Django (`-p fupin.core.testing` in
pyproject.toml). Tests run with DEBUG off, like production, so they bring a secret key of
their own; subprocesses started by tests inherit it. `testserver` is allowed by Django's
test setup, only under tests."""

import os

os.environ.setdefault("FUPIN_SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
