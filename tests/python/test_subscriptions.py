"""A subscription through gql's default WebSocket transport, fed by a mutation over HTTP.

`WebsocketsTransport(url=...)` with no `subprotocols` offers `graphql-ws` (Apollo's
subscriptions-transport-ws) first and `graphql-transport-ws` second, and reads whichever the
server picks. Citynet honours the client's order, and the subscription must deliver the change
that another client's mutation made.
"""

import asyncio
import uuid

import gql as gql_package
from gql import Client, GraphQLRequest, gql
from gql.transport.aiohttp import AIOHTTPTransport
from gql.transport.websockets import WebsocketsTransport

CITY_CHANGED = gql(
    """
    subscription {
      cityChanged { action cityId city { id slug name } }
    }
    """
)

CREATE_CITY = gql(
    """
    mutation ($name: String!) {
      createCity(input: { name: $name, kind: CITY }) { city { id name } }
    }
    """
)

DELETE_CITY = gql(
    """
    mutation ($id: ID!) {
      deleteCity(input: { id: $id }) { deletedCityId }
    }
    """
)


def websocket_url(http_url):
    return "ws" + http_url[len("http") :] if http_url.startswith("http") else http_url


async def subscribe_then_write(url, token, marker):
    """Subscribes to `cityChanged`, then creates places named `marker …` until the subscription
    delivers one of them (the server may register the subscription a moment after gql sent it),
    and deletes them again. Returns the transport and the first matching event."""
    transport = WebsocketsTransport(url=websocket_url(url))
    writer = Client(
        transport=AIOHTTPTransport(url=url, headers={"Authorization": f"Bearer {token}"})
    )
    created = []
    async with Client(transport=transport) as subscriber, writer as http:

        async def first_of_ours():
            async for result in subscriber.subscribe(CITY_CHANGED):
                city = result["cityChanged"]["city"]
                if city and city["name"].startswith(marker):
                    return result["cityChanged"]
            raise AssertionError("the subscription ended without an event")

        receiving = asyncio.ensure_future(first_of_ours())
        try:
            for attempt in range(50):
                request = GraphQLRequest(
                    CREATE_CITY, variable_values={"name": f"{marker} {attempt}"}
                )
                created.append((await http.execute(request))["createCity"]["city"]["id"])
                done, _ = await asyncio.wait({receiving}, timeout=0.2)
                if done:
                    break
            event = await asyncio.wait_for(receiving, timeout=5)
        finally:
            receiving.cancel()
            for city_id in created:
                await http.execute(GraphQLRequest(DELETE_CITY, variable_values={"id": city_id}))
    return transport, event, created


def test_default_websocket_transport_receives_a_change(url, token):
    marker = f"gql {gql_package.__version__} subscriber {uuid.uuid4().hex[:8]}"
    transport, event, created = asyncio.run(subscribe_then_write(url, token, marker))

    offered = transport.adapter.subprotocols
    assert offered[0] == "graphql-ws", f"gql's default offer changed: {offered}"
    # The server took the client's first choice, and gql spoke it.
    assert transport.subprotocol == offered[0]

    assert event["action"] == "CREATED"
    assert event["cityId"] in created
    assert event["city"]["id"] == event["cityId"]
    assert event["city"]["name"].startswith(marker)
