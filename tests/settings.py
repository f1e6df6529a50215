"""Settings for the test suite: Docket's own settings, read from a test environment.

The environment is set here, before docket.settings reads it, so the tests run
the same code as production with only these inputs changed.
"""

import os
import tempfile

# The test client and the live server speak plain HTTP.
os.environ.setdefault("DOCKET_HTTPS", "off")
# Nothing the tests write lands in a developer's own data folder.
os.environ["DOCKET_DATA_DIR"] = tempfile.mkdtemp(prefix="docket-test-")
os.environ.pop("DOCKET_SECRET_KEY", None)

from docket.settings import *  # noqa: E402, F403

# Tests render templates without running collectstatic first.
STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # noqa: F405
# WhiteNoise serves the app's static files straight from their folders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT.mkdir(exist_ok=True)  # noqa: F405
# Each run's test databases are named after its own process, so runs side by side on one
# PostgreSQL server (a developer's and CI's, say) do not drop each other's: tests/databases.py.

# Production's hasher at the lowest cost; a test of the cost itself reads docket.settings.
PASSWORD_HASHERS = ["tests.hashers.LightArgon2PasswordHasher", *PASSWORD_HASHERS]  # noqa: F405
