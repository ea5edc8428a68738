"""The real-server fixtures of tests/servers.py, re-exported as any test directory's conftest would."""

from servers import browser as browser
from servers import page as page
from servers import postgres_database as postgres_database
from servers import postgres_dsn as postgres_dsn
