// The Citynet playground: GraphiQL (served from this server, no CDN) against this server's
// /graphql, queries and mutations over HTTP, subscriptions over WebSocket (graphql-transport-ws).
// Writes need a token: add {"Authorization": "Bearer <token>"} in the Headers tab; for
// mutations sent over a subscription socket the same header travels in connection_init.
// A link to /graphql?query=…&variables=… opens with that operation in a tab of its own (the
// explorer's "open in playground").
(function () {
  "use strict";

  var endpoint = new URL("/graphql", window.location.href);
  var socket = new URL(endpoint.href);
  socket.protocol = endpoint.protocol === "https:" ? "wss:" : "ws:";

  var defaultQuery = [
    "# Welcome to the Citynet playground.",
    "#",
    "# Run a query with the ▶ button (or Ctrl-Enter); the book icon opens the schema docs.",
    "# Below: the networks Rostock belongs to, in what role and since when, and who else is in",
    "# them. Try `search(query: \"climate\")`, or a subscription such as",
    "# `subscription { membershipChanged { action membership { city { name } network { name } } } }`.",
    "",
    "query RostocksNetworks {",
    '  city(slug: "rostock") {',
    "    name",
    "    memberships(first: 10) {",
    "      nodes {",
    "        role",
    "        since",
    "        network {",
    "          name",
    "          members(first: 5) {",
    "            totalCount",
    "            nodes { name countryCode }",
    "          }",
    "        }",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  var shared = new URLSearchParams(window.location.search);

  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: socket.href,
    // Plain JSON over POST: this server does not stream incremental (multipart) responses.
    enableIncrementalDelivery: false,
  });

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      query: shared.get("query") || undefined,
      variables: shared.get("variables") || undefined,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    }),
  );
})();
