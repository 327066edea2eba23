// Citynet as an Apollo Federation subgraph (issue 14.7), against a live server: CITYNET_URL
// (default http://127.0.0.1:8000/graphql).
//
// An @apollo/gateway (IntrospectAndCompose) inside @apollo/server composes a supergraph from
// Citynet's `_service { sdl }` and answers queries by planning them onto the subgraphs:
//
// - `citynet` alone: composition must succeed, and queries through the gateway must give the
//   data Citynet gives directly (deep-equal, keys in the same order).
// - `citynet` + `notes`, a small subgraph written here with @apollo/subgraph: it adds
//   `note: String` to City, Network, Event and Membership (`@key(fields: "id")`) and has root
//   fields (`pinnedCities`, `pinnedNetwork`, …) that return only entity references. Through the
//   gateway, `{ pinnedNetwork { name members … } }` can only be answered by calling Citynet's
//   `_entities(representations: [{ __typename: "Network", id }])`, and
//   `{ cities { nodes { name note } } }` by fetching `id` from Citynet and calling the notes
//   subgraph's `_entities` with it. The test records what the gateway sends to each subgraph and
//   asserts that these `_entities` calls happened.
//
// Every direct response is also checked against schema.graphql by lib/check.mjs. Anything the
// gateway logs at warn or error level fails the test.
//
// The gateway listens on CITYNET_GATEWAY_PORT (default 0: a free port), the notes subgraph on a
// free port; both on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { parse } from 'graphql';

import { recorder, url, waitForServer } from './lib/check.mjs';

const gatewayPort = Number(process.env.CITYNET_GATEWAY_PORT ?? 0);

// --- helpers ---------------------------------------------------------------------------------

/** Sends `query` to `endpoint`; `rec` (lib/check.mjs) checks the response's shape. */
async function post(endpoint, query, variables, rec) {
  const send = rec ? rec.fetch : fetch;
  const response = await send(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    assert.fail(`${endpoint} answered HTTP ${response.status} with non-JSON: ${text}`);
  }
  return body;
}

/** Data of `query` sent straight to Citynet; fails on errors or a non-conformant shape. */
async function direct(query, variables) {
  const rec = recorder('Citynet direct');
  const body = await post(url, query, variables, rec);
  assert.equal(rec.problems.length, 0, rec.report());
  return body.data;
}

/** Data of `query` sent through `gateway`; fails on errors. */
async function viaGateway(gateway, query, variables) {
  const body = await post(gateway.url, query, variables);
  assert.equal(body.errors, undefined, `the gateway answered ${query.replace(/\s+/g, ' ')} with errors: ${JSON.stringify(body)}`);
  return body.data;
}

/** Deep-equal and also equal as JSON (same key order). */
function assertSameData(actual, expected, what) {
  assert.deepStrictEqual(actual, expected, what);
  assert.equal(JSON.stringify(actual), JSON.stringify(expected), `${what}: same data, different key order`);
}

/** The `@join__type` directives on `type` in a supergraph SDL, e.g. `@join__type(graph: CITYNET, key: "id")`. */
function joinTypesOf(supergraphSdl, type) {
  const header = new RegExp(`^type ${type}\\b([^{]*)\\{`, 'm').exec(supergraphSdl);
  assert.ok(header, `no type ${type} in the supergraph`);
  return header[1].match(/@join__type\([^)]*\)/g) ?? [];
}

/** A logger for the gateway and Apollo Server that keeps warnings and errors. */
function collectingLogger(label) {
  const messages = [];
  const keep = (level) => (...args) => messages.push(`[${label}] ${level}: ${args.join(' ')}`);
  return { messages, debug() {}, info() {}, warn: keep('warn'), error: keep('error') };
}

/**
 * Starts ApolloGateway(IntrospectAndCompose(subgraphs)) inside @apollo/server. Every request
 * the gateway sends to a subgraph (introspection via `_service` included) is kept in `sent`,
 * by subgraph name: `{ query, variables }`.
 */
async function startGateway(subgraphs, port = 0) {
  const sent = Object.fromEntries(subgraphs.map(({ name }) => [name, []]));
  const logger = collectingLogger('gateway');
  const gateway = new ApolloGateway({
    logger,
    supergraphSdl: new IntrospectAndCompose({ subgraphs, logger }),
    buildService: ({ name, url: subgraphUrl }) =>
      new (class extends RemoteGraphQLDataSource {
        willSendRequest({ request }) {
          sent[name].push({ query: request.query, variables: request.variables });
        }
      })({ url: subgraphUrl }),
  });
  let supergraphSdl = null;
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    supergraphSdl = coreSupergraphSdl;
  });
  const server = new ApolloServer({ gateway, logger, introspection: true });
  // `server.start()` loads the gateway: introspects the subgraphs and composes; a composition
  // error rejects here with the composition errors in the message.
  const { url: gatewayUrl } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
  return { url: gatewayUrl, server, sent, logger, supergraphSdl: () => supergraphSdl };
}

// --- the notes subgraph ----------------------------------------------------------------------

const ENTITIES = ['City', 'Network', 'Event', 'Membership'];
const noteOf = (typename, id) => `note on ${typename} ${id}`;

// Global ids of real Citynet records the pinned* fields return as references; set in before().
const pinned = { cities: [], network: null, event: null, membership: null };

const notesTypeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])

  type Query {
    "References only: the gateway must get every other field from Citynet's _entities."
    pinnedCities: [City!]!
    pinnedNetwork: Network
    pinnedEvent: Event
    pinnedMembership: Membership
  }

  ${ENTITIES.map((type) => `type ${type} @key(fields: "id") { id: ID! note: String }`).join('\n  ')}
`);

const notesResolvers = {
  Query: {
    pinnedCities: () => pinned.cities.map((id) => ({ __typename: 'City', id })),
    pinnedNetwork: () => ({ __typename: 'Network', id: pinned.network }),
    pinnedEvent: () => ({ __typename: 'Event', id: pinned.event }),
    pinnedMembership: () => ({ __typename: 'Membership', id: pinned.membership }),
  },
  ...Object.fromEntries(
    ENTITIES.map((type) => [
      type,
      {
        __resolveReference: ({ id }) => ({ id }),
        note: ({ id }) => noteOf(type, id),
      },
    ]),
  ),
};

// --- the tests -------------------------------------------------------------------------------

const started = [];

before(async () => {
  await waitForServer();
});

after(async () => {
  for (const server of started.reverse()) await server.stop();
});

describe('@apollo/gateway over Citynet alone', () => {
  let gateway;

  before(async () => {
    gateway = await startGateway([{ name: 'citynet', url }], gatewayPort);
    started.push(gateway.server);
  });

  test('composition succeeds: the gateway loads a supergraph with Citynet\'s entities', () => {
    assert.deepEqual(gateway.logger.messages, [], gateway.logger.messages.join('\n'));
    const sdl = gateway.supergraphSdl();
    assert.ok(sdl, 'the gateway reported no supergraph');
    assert.match(sdl, /@link\(url: "https:\/\/specs\.apollo\.dev\/join\/v0\.\d+"/);
    for (const type of ENTITIES) {
      assert.deepEqual(joinTypesOf(sdl, type), ['@join__type(graph: CITYNET, key: "id")'], `${type} in the supergraph`);
    }
    assert.ok(
      gateway.sent.citynet.some(({ query }) => /_service\s*\{\s*sdl\s*\}/.test(query)),
      'the gateway did not introspect Citynet through _service { sdl }',
    );
  });

  const parity = [
    ['network(slug: "ubc") with members', '{ network(slug: "ubc") { id name members(first: 5) { totalCount nodes { id name } } } }'],
    ['cities(first: 3)', '{ cities(first: 3) { nodes { id slug } } }'],
    [
      'variables, fragments, an abstract type (search) and nested connections',
      `query Directory($slug: String!, $q: String!) {
        network(slug: $slug) { ...NetworkBits events(first: 2) { totalCount edges { cursor node { __typename id title year } } } }
        search(query: $q, first: 5) { __typename ... on City { slug } ... on Network { name } ... on Event { title } }
      }
      fragment NetworkBits on Network { id slug members(last: 2) { pageInfo { hasPreviousPage startCursor } nodes { name countryCode } } }`,
      { slug: 'ubc', q: 'peace' },
    ],
  ];

  for (const [label, query, variables] of parity) {
    test(`through the gateway = direct: ${label}`, async () => {
      const expected = await direct(query, variables);
      const actual = await viaGateway(gateway, query, variables);
      assertSameData(actual, expected, label);
    });
  }
});

describe('@apollo/gateway over Citynet + a notes subgraph: entities across subgraphs', () => {
  let notes;
  let notesLogger;
  let gateway;

  before(async () => {
    // Real ids to pin, straight from Citynet.
    const ids = await direct(`{
      cities(first: 2) { nodes { id } }
      network(slug: "ubc") { id }
      events(first: 1) { nodes { id } }
      city(slug: "rostock") { memberships(first: 1) { nodes { id } } }
    }`);
    pinned.cities = ids.cities.nodes.map((node) => node.id);
    pinned.network = ids.network.id;
    pinned.event = ids.events.nodes[0].id;
    pinned.membership = ids.city.memberships.nodes[0].id;

    notesLogger = collectingLogger('notes subgraph');
    notes = new ApolloServer({
      schema: buildSubgraphSchema([{ typeDefs: notesTypeDefs, resolvers: notesResolvers }]),
      logger: notesLogger,
    });
    const { url: notesUrl } = await startStandaloneServer(notes, { listen: { host: '127.0.0.1', port: 0 } });
    started.push(notes);
    gateway = await startGateway([
      { name: 'citynet', url },
      { name: 'notes', url: notesUrl },
    ]);
    started.push(gateway.server);
  });

  /** The `_entities` requests the gateway sent to `subgraph` since `from`. */
  const entityCalls = (subgraph, from) =>
    gateway.sent[subgraph].slice(from).filter(({ query }) => /\b_entities\s*\(/.test(query));

  test('composition succeeds with both subgraphs', () => {
    assert.deepEqual(gateway.logger.messages, [], gateway.logger.messages.join('\n'));
    const sdl = gateway.supergraphSdl();
    for (const type of ENTITIES) {
      assert.deepEqual(
        joinTypesOf(sdl, type),
        ['@join__type(graph: CITYNET, key: "id")', '@join__type(graph: NOTES, key: "id")'],
        `${type} in the supergraph`,
      );
    }
  });

  test('Citynet fields of entity references from the notes subgraph come from Citynet\'s _entities', async () => {
    const mark = gateway.sent.citynet.length;
    const query = `{
      pinnedCities { id slug name memberships(first: 2) { totalCount nodes { network { name } } } note }
      pinnedNetwork { id name members(first: 5) { totalCount nodes { id name } } note }
      pinnedEvent { id title year network { name } host { name } note }
      pinnedMembership { id role since city { name } network { name } note }
    }`;
    const data = await viaGateway(gateway, query);

    const calls = entityCalls('citynet', mark);
    assert.ok(calls.length > 0, `the gateway did not call Citynet's _entities; it sent:\n${JSON.stringify(gateway.sent.citynet.slice(mark), null, 2)}`);
    const typenames = new Set(calls.flatMap(({ variables }) => variables.representations.map((r) => r.__typename)));
    assert.deepEqual([...typenames].sort(), [...ENTITIES].sort(), 'not every entity type was resolved through _entities');

    // What Citynet says about the same records directly.
    const expected = await direct(
      `query Same($network: ID!, $event: ID!, $membership: ID!, $cities: [ID!]!) {
        cities: nodes(ids: $cities) { __typename ... on City { id slug name memberships(first: 2) { totalCount nodes { network { name } } } } }
        network: node(id: $network) { __typename ... on Network { id name members(first: 5) { totalCount nodes { id name } } } }
        event: node(id: $event) { __typename ... on Event { id title year network { name } host { name } } }
        membership: node(id: $membership) { __typename ... on Membership { id role since city { name } network { name } } }
      }`,
      { network: pinned.network, event: pinned.event, membership: pinned.membership, cities: pinned.cities },
    );
    const withNote = (typename, { __typename, ...record }) => {
      assert.equal(__typename, typename);
      return { ...record, note: noteOf(typename, record.id) };
    };
    assertSameData(
      data,
      {
        pinnedCities: expected.cities.map((city) => withNote('City', city)),
        pinnedNetwork: withNote('Network', expected.network),
        pinnedEvent: withNote('Event', expected.event),
        pinnedMembership: withNote('Membership', expected.membership),
      },
      'entities resolved through Citynet\'s _entities',
    );
    assert.ok(data.pinnedNetwork.members.totalCount > 0, 'ubc has no members');
  });

  test('the notes subgraph\'s field on Citynet\'s cities comes from its _entities with Citynet\'s ids', async () => {
    const markNotes = gateway.sent.notes.length;
    const query = '{ cities(first: 2) { nodes { name note } } }';
    const data = await viaGateway(gateway, query);
    const expected = await direct('{ cities(first: 2) { nodes { id name } } }');
    assertSameData(
      data,
      { cities: { nodes: expected.cities.nodes.map(({ id, name }) => ({ name, note: noteOf('City', id) })) } },
      query,
    );
    const calls = entityCalls('notes', markNotes);
    assert.equal(calls.length, 1, `the gateway did not call the notes subgraph's _entities once: ${JSON.stringify(gateway.sent.notes.slice(markNotes))}`);
    assert.deepEqual(
      JSON.parse(JSON.stringify(calls[0].variables.representations)),
      expected.cities.nodes.map(({ id }) => ({ __typename: 'City', id })),
    );
  });

  test('an id of another type finds no entity: _entities answers null, not another record', async () => {
    // A city's id as a Network representation, straight to Citynet as a router would send it.
    const body = await post(url, 'query ($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Network { id name } ... on City { id name } } }', {
      r: [
        { __typename: 'Network', id: pinned.cities[0] },
        { __typename: 'City', id: pinned.cities[0] },
      ],
    });
    assert.equal(body.errors, undefined, JSON.stringify(body));
    assert.equal(body.data._entities[0], null, JSON.stringify(body));
    assert.equal(body.data._entities[1].id, pinned.cities[0], JSON.stringify(body));
  });

  test('the gateway and the notes subgraph logged no warnings or errors', () => {
    const messages = [...gateway.logger.messages, ...notesLogger.messages];
    assert.deepEqual(messages, [], messages.join('\n'));
  });
});
