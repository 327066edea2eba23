"""Citynet's data as pandas DataFrames, fetched with gql.

Each of Citynet's root lists (`cities`, `networks`, `memberships`, `events`) is a Relay
connection: a page of `nodes`, the `pageInfo` to ask for the next page, and the `totalCount` of
the whole list. `fetch_all` follows the cursors until `hasNextPage` is false; the `*_frame`
functions turn the nodes into flat DataFrames (one row per node, related records by their slug),
and `frames` builds all four:

    >>> import citynet_frames
    >>> f = citynet_frames.frames("http://127.0.0.1:8000/graphql")
    >>> f["memberships"].groupby("network").size().sort_values()

Run as a script, it prints each frame's shape and first rows:

    python citynet_frames.py --url http://127.0.0.1:8000/graphql

Reads are public: no token is needed.
"""

from __future__ import annotations

import argparse
import base64
import sys
from typing import Any, Iterator

import pandas as pd
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport

DEFAULT_URL = "http://127.0.0.1:8000/graphql"

# The server returns at most 100 items per page.
PAGE_SIZE = 100

# Every query takes `$first` and `$after`, and asks for `pageInfo` and `totalCount` beside the
# nodes: that is all `fetch_all` needs to walk a connection.
PLACES = gql(
    """
    query Places($first: Int!, $after: String) {
      cities(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id slug name kind countryCode latitude longitude networkCount
        }
      }
    }
    """
)

NETWORKS = gql(
    """
    query Networks($first: Int!, $after: String) {
      networks(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id slug name acronym topics foundedYear
          foundedIn { slug }
          reportedMemberCount reportedMemberCountQualifier
        }
      }
    }
    """
)

MEMBERSHIPS = gql(
    """
    query Memberships($first: Int!, $after: String, $filter: MembershipFilter) {
      memberships(first: $first, after: $after, filter: $filter) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          network { slug }
          city { slug }
          role since representedBy
          evidence { kind }
        }
      }
    }
    """
)

EVENTS = gql(
    """
    query Events($first: Int!, $after: String) {
      events(first: $first, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id title year kind topic
          network { slug }
          host { slug }
          reportedParticipantCount
          participants(first: 100) { totalCount }
        }
      }
    }
    """
)


def client(url: str = DEFAULT_URL) -> Client:
    """A gql client for the Citynet API at `url` (its GraphQL endpoint, ending in /graphql)."""
    return Client(transport=AIOHTTPTransport(url=url), execute_timeout=30)


def pages(
    session: Client,
    query: GraphQLRequest,
    field: str,
    page_size: int = PAGE_SIZE,
    variables: dict[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    """Each page of the root connection `field` that `query` selects, first to last.

    Asks for `page_size` items after the previous page's `endCursor` until the server says
    there is no next page; `variables` are the query's other variables (a filter), the same
    for every page.
    """
    after = None
    while True:
        page_variables = {**(variables or {}), "first": page_size, "after": after}
        request = GraphQLRequest(query, variable_values=page_variables)
        connection = session.execute(request)[field]
        yield connection
        if not connection["pageInfo"]["hasNextPage"]:
            return
        after = connection["pageInfo"]["endCursor"]


def fetch_all(
    session: Client,
    query: GraphQLRequest,
    field: str,
    page_size: int = PAGE_SIZE,
    variables: dict[str, Any] | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Every node of the root connection `field`, and the `totalCount` the server reported."""
    nodes: list[dict[str, Any]] = []
    total = 0
    for page in pages(session, query, field, page_size, variables):
        nodes.extend(page["nodes"])
        total = page["totalCount"]
    return nodes, total


def _slug(record: dict[str, Any] | None) -> str | None:
    return record["slug"] if record else None


def _frame(rows: list[dict[str, Any]], total: int, dtypes: dict[str, str]) -> pd.DataFrame:
    """A DataFrame of `rows` with nullable dtypes (a missing year stays <NA>, not a float NaN),
    remembering the server's `totalCount` in `frame.attrs["total_count"]`."""
    frame = pd.DataFrame(rows, columns=list(dtypes)).astype(dtypes)
    frame.attrs["total_count"] = total
    return frame


def places_frame(session: Client, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One row per place (city or region); latitude and longitude are <NA> where unknown."""
    nodes, total = fetch_all(session, PLACES, "cities", page_size)
    rows = [
        {
            "id": n["id"],
            "slug": n["slug"],
            "name": n["name"],
            "kind": n["kind"],
            "country_code": n["countryCode"],
            "latitude": n["latitude"],
            "longitude": n["longitude"],
            "network_count": n["networkCount"],
        }
        for n in nodes
    ]
    return _frame(
        rows,
        total,
        {
            "id": "string",
            "slug": "string",
            "name": "string",
            "kind": "category",
            "country_code": "string",
            "latitude": "Float64",
            "longitude": "Float64",
            "network_count": "Int64",
        },
    )


def networks_frame(session: Client, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One row per network; `founded_in` is the founding place's slug, `topics` a list."""
    nodes, total = fetch_all(session, NETWORKS, "networks", page_size)
    rows = [
        {
            "id": n["id"],
            "slug": n["slug"],
            "name": n["name"],
            "acronym": n["acronym"],
            "topics": n["topics"],
            "founded_year": n["foundedYear"],
            "founded_in": _slug(n["foundedIn"]),
            "reported_member_count": n["reportedMemberCount"],
            "reported_member_count_qualifier": n["reportedMemberCountQualifier"],
        }
        for n in nodes
    ]
    return _frame(
        rows,
        total,
        {
            "id": "string",
            "slug": "string",
            "name": "string",
            "acronym": "string",
            "topics": "object",
            "founded_year": "Int64",
            "founded_in": "string",
            "reported_member_count": "Int64",
            "reported_member_count_qualifier": "string",
        },
    )


def memberships_frame(
    session: Client, page_size: int = PAGE_SIZE, filter: dict[str, Any] | None = None
) -> pd.DataFrame:
    """One row per membership of a place in a network, both by slug.

    `filter` is a `MembershipFilter`, e.g. `{"countryCodes": ["DE"], "roles": ["MEMBER"]}`
    (also `network` and `place` by slug, `sinceFrom`, `sinceTo`): the server selects the rows.
    """
    nodes, total = fetch_all(
        session, MEMBERSHIPS, "memberships", page_size, {"filter": filter}
    )
    rows = [
        {
            "id": n["id"],
            "network": n["network"]["slug"],
            "place": n["city"]["slug"],
            "role": n["role"],
            "since": n["since"],
            "represented_by": n["representedBy"],
            "evidence": n["evidence"]["kind"] if n["evidence"] else None,
        }
        for n in nodes
    ]
    return _frame(
        rows,
        total,
        {
            "id": "string",
            "network": "string",
            "place": "string",
            "role": "category",
            "since": "Int64",
            "represented_by": "string",
            "evidence": "string",
        },
    )


def events_frame(session: Client, page_size: int = PAGE_SIZE) -> pd.DataFrame:
    """One row per event; `host` is the host place's slug (<NA> where none is recorded)."""
    nodes, total = fetch_all(session, EVENTS, "events", page_size)
    rows = [
        {
            "id": n["id"],
            "title": n["title"],
            "year": n["year"],
            "kind": n["kind"],
            "topic": n["topic"],
            "network": n["network"]["slug"],
            "host": _slug(n["host"]),
            "reported_participant_count": n["reportedParticipantCount"],
            "named_participants": n["participants"]["totalCount"],
        }
        for n in nodes
    ]
    return _frame(
        rows,
        total,
        {
            "id": "string",
            "title": "string",
            "year": "Int64",
            "kind": "category",
            "topic": "string",
            "network": "string",
            "host": "string",
            "reported_participant_count": "Int64",
            "named_participants": "Int64",
        },
    )


def frames(url: str = DEFAULT_URL, page_size: int = PAGE_SIZE) -> dict[str, pd.DataFrame]:
    """All four frames: `places`, `networks`, `memberships` and `events`."""
    session = client(url)
    return {
        "places": places_frame(session, page_size),
        "networks": networks_frame(session, page_size),
        "memberships": memberships_frame(session, page_size),
        "events": events_frame(session, page_size),
    }


def decode_id(global_id: str) -> tuple[str, str]:
    """Splits a global id such as `TmV0d29yazoy` into its type and key: ("Network", "2").

    Ids are opaque to clients (pass them back to `node(id:)` and mutations as they are); this
    is for looking inside one while debugging. Citynet writes them as URL-safe base64 without
    the trailing `=` padding, which Python's decoder insists on, so the padding is added back
    first.
    """
    padded = global_id + "=" * (-len(global_id) % 4)
    type_name, _, key = base64.urlsafe_b64decode(padded).decode().partition(":")
    return type_name, key


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL, help=f"GraphQL endpoint ({DEFAULT_URL})")
    parser.add_argument(
        "--page-size", type=int, default=PAGE_SIZE, help=f"items per request, 1-100 ({PAGE_SIZE})"
    )
    args = parser.parse_args(argv)

    for name, frame in frames(args.url, args.page_size).items():
        rows, columns = frame.shape
        print(f"== {name}: {rows} rows x {columns} columns")
        print(frame.head().to_string(max_colwidth=32))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
