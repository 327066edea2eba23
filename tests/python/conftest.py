"""The servers these tests talk to, from the environment that scripts/python-clients sets.

CITYNET_URL             a writable server's GraphQL endpoint (default http://127.0.0.1:8000/graphql)
CITYNET_TOKEN           one of that server's API_TOKENS (the subscription tests write)
CITYNET_PRODUCTION_URL  a server started with CITYNET_ENV=production (introspection off)

A test whose server is not given is skipped, with the variable it needs as the reason.
"""

import os

import gql
import pytest


def pytest_report_header(config):
    import graphql
    import websockets

    return (
        f"gql {gql.__version__}, graphql-core {graphql.__version__}, "
        f"websockets {websockets.__version__}"
    )


def _env(name):
    value = os.environ.get(name)
    if not value:
        pytest.skip(f"{name} is not set")
    return value


@pytest.fixture(scope="session")
def url():
    return os.environ.get("CITYNET_URL", "http://127.0.0.1:8000/graphql")


@pytest.fixture(scope="session")
def token():
    return _env("CITYNET_TOKEN")


@pytest.fixture(scope="session")
def production_url():
    return _env("CITYNET_PRODUCTION_URL")
