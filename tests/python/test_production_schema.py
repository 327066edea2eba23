"""gql against a production server, where introspection is off.

`fetch_schema_from_transport=True` needs introspection, so it fails there; instead the client
downloads the schema as SDL from `GET /graphql/schema.graphql` (with an ETag, so that a copy can
be revalidated cheaply) and builds its schema from that text: `Client(schema=sdl, ...)` then
validates every document locally before sending it.
"""

import urllib.error
import urllib.request

import pytest
from gql import Client, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.exceptions import TransportQueryError
from graphql import GraphQLError

QUERY = gql(
    """
    query {
      cities(first: 3, orderBy: { field: SLUG }) {
        totalCount
        nodes { slug name networks(first: 1) { nodes { slug } } }
      }
    }
    """
)


def sdl_url(graphql_url):
    return graphql_url.rstrip("/") + "/schema.graphql"


def download(url, headers=None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def test_introspection_is_off_so_gql_cannot_fetch_the_schema(production_url):
    client = Client(
        transport=AIOHTTPTransport(url=production_url), fetch_schema_from_transport=True
    )
    with pytest.raises(TransportQueryError, match="(?i)introspection"):
        client.execute(gql("{ __typename }"))


def test_the_sdl_is_served_with_an_etag(production_url):
    status, headers, sdl = download(sdl_url(production_url))
    assert status == 200, sdl
    assert "type Query" in sdl
    etag = headers.get("ETag")
    assert etag, "no ETag on the SDL"
    status, _, body = download(sdl_url(production_url), {"If-None-Match": etag})
    assert status == 304, body


def test_gql_builds_its_schema_from_the_sdl_and_validates_locally(production_url):
    status, _, sdl = download(sdl_url(production_url))
    assert status == 200, sdl

    client = Client(schema=sdl, transport=AIOHTTPTransport(url=production_url))
    assert client.schema.query_type.fields["cities"]
    result = client.execute(QUERY)
    cities = result["cities"]
    assert 0 < len(cities["nodes"]) <= 3
    assert cities["totalCount"] >= len(cities["nodes"])
    slugs = [city["slug"] for city in cities["nodes"]]
    assert slugs == sorted(slugs)

    # A document the schema refuses never leaves the client: the transport here points at a
    # port where nothing listens, and the error is graphql-core's, not a transport's.
    offline = Client(schema=sdl, transport=AIOHTTPTransport(url="http://127.0.0.1:9/graphql"))
    with pytest.raises(GraphQLError, match="Cannot query field 'population'"):
        offline.execute(gql("{ cities { nodes { slug population } } }"))
