"""What a client of citynet_frames sees, against a live server.

    CITYNET_URL=http://127.0.0.1:8000/graphql python -m pytest examples/python

Nothing here knows the seed data by heart: every count is compared with what the server itself
answers (`totalCount`, a network's own memberships), so the tests hold on any database.
"""

from __future__ import annotations

import os

import pandas as pd
import pytest
from gql import GraphQLRequest, gql

import citynet_frames

URL = os.environ.get("CITYNET_URL", citynet_frames.DEFAULT_URL)

# Small pages, so that every list is walked over several of them.
SMALL_PAGE = 4

ROOT_FIELDS = {
    "places": "cities",
    "networks": "networks",
    "memberships": "memberships",
    "events": "events",
}

BUILDERS = {
    "places": citynet_frames.places_frame,
    "networks": citynet_frames.networks_frame,
    "memberships": citynet_frames.memberships_frame,
    "events": citynet_frames.events_frame,
}

TYPENAMES = {
    "places": "City",
    "networks": "Network",
    "memberships": "Membership",
    "events": "Event",
}


@pytest.fixture(scope="module")
def session():
    return citynet_frames.client(URL)


@pytest.fixture(scope="module")
def frame_cache(session):
    return {}


def frame(session, cache, name, page_size=SMALL_PAGE):
    """The frame `name` built in pages of `page_size`, built once per module."""
    key = (name, page_size)
    if key not in cache:
        cache[key] = BUILDERS[name](session, page_size)
    return cache[key]


def server_total(session, field):
    return session.execute(gql(f"{{ {field} {{ totalCount }} }}"))[field]["totalCount"]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_every_item_once_over_several_pages(session, frame_cache, name):
    built = frame(session, frame_cache, name)
    total = server_total(session, ROOT_FIELDS[name])
    assert total > SMALL_PAGE, f"{name}: too few items to page over; is the server seeded?"
    assert len(built) == total
    assert built.attrs["total_count"] == total
    assert built["id"].is_unique
    assert built["id"].notna().all()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_page_size_does_not_change_the_frame(session, frame_cache, name):
    small = frame(session, frame_cache, name)
    whole = frame(session, frame_cache, name, citynet_frames.PAGE_SIZE)
    pd.testing.assert_frame_equal(small, whole)


def test_pages_follow_the_cursor_to_the_end(session):
    pages = list(citynet_frames.pages(session, citynet_frames.PLACES, "cities", SMALL_PAGE))
    total = pages[0]["totalCount"]
    assert len(pages) == -(-total // SMALL_PAGE)
    assert [len(p["nodes"]) for p in pages[:-1]] == [SMALL_PAGE] * (len(pages) - 1)
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True] * (len(pages) - 1) + [False]


def test_slugs_are_unique(session, frame_cache):
    for name in ("places", "networks"):
        assert frame(session, frame_cache, name)["slug"].is_unique, name


def test_places_have_sane_coordinates(session, frame_cache):
    places = frame(session, frame_cache, "places")
    assert set(places["kind"].dropna()) <= {"CITY", "REGION"}
    assert places["latitude"].dropna().between(-90, 90).all()
    assert places["longitude"].dropna().between(-180, 180).all()
    # A place has both coordinates or neither.
    assert (places["latitude"].isna() == places["longitude"].isna()).all()
    codes = places["country_code"].dropna()
    assert codes.str.fullmatch(r"[A-Z]{2}").all()


def test_memberships_refer_to_listed_networks_and_places(session, frame_cache):
    memberships = frame(session, frame_cache, "memberships")
    networks = frame(session, frame_cache, "networks")
    places = frame(session, frame_cache, "places")
    assert set(memberships["network"]) <= set(networks["slug"])
    assert set(memberships["place"]) <= set(places["slug"])
    assert set(memberships["role"].dropna()) <= {
        "MEMBER",
        "FOUNDING_MEMBER",
        "CO_FOUNDER",
        "INITIATOR",
    }
    # One membership per place and network.
    assert not memberships.duplicated(["network", "place"]).any()


def test_memberships_per_network_match_each_networks_own_count(session, frame_cache):
    memberships = frame(session, frame_cache, "memberships")
    per_network = {}
    for page in citynet_frames.pages(
        session,
        gql(
            """
            query ($first: Int!, $after: String) {
              networks(first: $first, after: $after) {
                totalCount
                pageInfo { hasNextPage endCursor }
                nodes { slug memberships { totalCount } }
              }
            }
            """
        ),
        "networks",
        SMALL_PAGE,
    ):
        for node in page["nodes"]:
            per_network[node["slug"]] = node["memberships"]["totalCount"]
    counted = memberships.groupby("network").size().to_dict()
    assert counted == {slug: n for slug, n in per_network.items() if n > 0}


def test_network_counts_of_places_match_the_memberships(session, frame_cache):
    memberships = frame(session, frame_cache, "memberships")
    places = frame(session, frame_cache, "places").set_index("slug")
    counted = memberships.groupby("place").size().reindex(places.index, fill_value=0)
    assert counted.tolist() == places["network_count"].tolist()


def test_a_filtered_frame_is_the_matching_rows_of_the_whole(session, frame_cache):
    memberships = frame(session, frame_cache, "memberships")
    places = frame(session, frame_cache, "places")
    country = places["country_code"].dropna().mode().iloc[0]
    in_country = set(places.loc[places["country_code"] == country, "slug"])
    expected = memberships[memberships["place"].isin(in_country)].reset_index(drop=True)

    filtered = citynet_frames.memberships_frame(
        session, SMALL_PAGE, filter={"countryCodes": [country]}
    )
    assert len(expected) > 0
    assert filtered.attrs["total_count"] == len(expected)
    pd.testing.assert_frame_equal(filtered, expected, check_categorical=False)

    role = memberships["role"].mode().iloc[0]
    by_role = citynet_frames.memberships_frame(session, SMALL_PAGE, filter={"roles": [role]})
    assert set(by_role["id"]) == set(memberships.loc[memberships["role"] == role, "id"])

    network = memberships["network"].mode().iloc[0]
    in_network = citynet_frames.memberships_frame(session, SMALL_PAGE, filter={"network": network})
    assert set(in_network["id"]) == set(memberships.loc[memberships["network"] == network, "id"])


def test_events_refer_to_listed_networks_and_places(session, frame_cache):
    events = frame(session, frame_cache, "events")
    networks = frame(session, frame_cache, "networks")
    places = frame(session, frame_cache, "places")
    assert set(events["network"]) <= set(networks["slug"])
    assert set(events["host"].dropna()) <= set(places["slug"])
    assert events["title"].notna().all()


def test_founding_places_are_listed(session, frame_cache):
    networks = frame(session, frame_cache, "networks")
    places = frame(session, frame_cache, "places")
    assert set(networks["founded_in"].dropna()) <= set(places["slug"])


@pytest.mark.parametrize("name", list(BUILDERS))
def test_ids_decode_to_their_type_and_come_back_through_node(session, frame_cache, name):
    """`decode_id` pads the id for Python's decoder; the server takes either spelling."""
    ids = frame(session, frame_cache, name)["id"]
    # Preferably one whose base64 needs padding (its length is not a multiple of 4).
    global_id = next((i for i in ids if len(i) % 4), ids.iloc[0])
    type_name, key = citynet_frames.decode_id(global_id)
    assert type_name == TYPENAMES[name]
    assert key
    padded = global_id + "=" * (-len(global_id) % 4)
    node = GraphQLRequest(
        gql("query ($id: ID!) { node(id: $id) { __typename id } }"),
        variable_values={"id": global_id},
    )
    assert session.execute(node)["node"] == {"__typename": type_name, "id": global_id}
    node.variable_values = {"id": padded}
    assert session.execute(node)["node"] == {"__typename": type_name, "id": global_id}


def test_the_script_prints_a_summary(capsys):
    assert citynet_frames.main(["--url", URL, "--page-size", str(SMALL_PAGE)]) == 0
    out = capsys.readouterr().out
    for name in BUILDERS:
        assert f"== {name}: " in out
