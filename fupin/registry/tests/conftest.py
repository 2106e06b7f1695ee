# The page tests' fixtures (private media, plain static storage, `login`) are the view
# toolkit's, shared with its URL sweep.
from fupin.web.tests.conftest import _media, login  # noqa: F401
