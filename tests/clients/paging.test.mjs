// Pages through Citynet's connections with Apollo Client 4 (relayStylePagination) and urql
// (graphcache's relayPagination), and runs the operations the Relay compiler generated, against
// a live server: CITYNET_URL (default http://127.0.0.1:8000/graphql).
//
// Each run asserts that the pages add up to `totalCount`, that no id comes twice, that the
// order is the one a single big page has, that neither client logged a warning (Apollo's
// "Missing field …", graphcache's heuristics), and that every response is schema-conformant
// (see lib/check.mjs: keys present and in selection order, no null in a non-null position).
//
// Run with `node --conditions=development --test paging.test.mjs` so that Apollo runs in
// development mode and reports what it finds.
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { introspectionFromSchema, parse } from 'graphql';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { loadDevMessages, loadErrorMessages } from '@apollo/client/dev';
import { relayStylePagination } from '@apollo/client/utilities';
import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { relayPagination } from '@urql/exchange-graphcache/extras';

import { captureConsole, recorder, schema, url, waitForServer } from './lib/check.mjs';

loadDevMessages();
loadErrorMessages();

const PAGE = 2;

// What is paged: a network's members (UBC as the issue names it, and the seed's largest
// network) and the root list of places.
const lists = [
  { label: 'members of ubc', root: 'network', slug: 'ubc' },
  {
    label: 'members of international-city-network-for-crisis-management',
    root: 'network',
    slug: 'international-city-network-for-crisis-management',
  },
  { label: 'cities (root connection)', root: 'cities' },
];

const ITEM = 'id slug name kind countryCode';

function forwardQuery(list) {
  return list.root === 'network'
    ? `query NetworkMembersForward($slug: String!, $first: Int!, $after: String) {
        network(slug: $slug) {
          id
          name
          members(first: $first, after: $after) {
            totalCount
            pageInfo { hasNextPage endCursor }
            edges { cursor node { ${ITEM} } }
          }
        }
      }`
    : `query CitiesForward($first: Int!, $after: String) {
        cities(first: $first, after: $after) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges { cursor node { ${ITEM} } }
        }
      }`;
}

function backwardQuery(list) {
  return list.root === 'network'
    ? `query NetworkMembersBackward($slug: String!, $last: Int!, $before: String) {
        network(slug: $slug) {
          id
          name
          members(last: $last, before: $before) {
            totalCount
            pageInfo { hasPreviousPage startCursor }
            edges { cursor node { ${ITEM} } }
          }
        }
      }`
    : `query CitiesBackward($last: Int!, $before: String) {
        cities(last: $last, before: $before) {
          totalCount
          pageInfo { hasPreviousPage startCursor }
          edges { cursor node { ${ITEM} } }
        }
      }`;
}

const connectionOf = (list, data) => (list.root === 'network' ? data.network.members : data.cities);
const variablesOf = (list, extra) => (list.root === 'network' ? { slug: list.slug, ...extra } : extra);

/** The whole list in one page (at most 100), as the order paging must reproduce. */
async function wholeList(list) {
  const rec = recorder('one page');
  const query = forwardQuery(list);
  const variables = variablesOf(list, { first: 100 });
  const response = await rec.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
  assert.equal(rec.problems.length, 0, rec.report());
  const connection = connectionOf(list, body.data);
  assert.equal(connection.pageInfo.hasNextPage, false, `${list.label}: more than 100 items`);
  return connection.edges.map((edge) => edge.node.id);
}

function assertCollected(list, ids, totalCount, expectedIds, how) {
  assert.ok(totalCount > 0, `${list.label}: totalCount is ${totalCount}`);
  assert.equal(new Set(ids).size, ids.length, `${list.label} (${how}): an id came twice: ${ids.join(', ')}`);
  assert.equal(ids.length, totalCount, `${list.label} (${how}): collected ${ids.length}, totalCount ${totalCount}`);
  assert.deepEqual(ids, expectedIds, `${list.label} (${how}): not the order of one big page`);
}

function assertClean(label, rec, console_) {
  const complaints = [];
  if (rec.problems.length) complaints.push(rec.report());
  if (console_.messages.length) complaints.push(`[${label}] logged:\n  ${console_.messages.join('\n  ')}`);
  assert.equal(complaints.length, 0, complaints.join('\n'));
}

before(async () => {
  await waitForServer();
});

// --- Apollo Client 4 --------------------------------------------------------------------------

function apolloClient(rec) {
  return new ApolloClient({
    link: new HttpLink({ uri: url, fetch: rec.fetch }),
    cache: new InMemoryCache({
      typePolicies: {
        Network: { fields: { members: relayStylePagination(['filter', 'orderBy']) } },
        Query: { fields: { cities: relayStylePagination(['filter', 'orderBy']) } },
      },
    }),
  });
}

/** Subscribes to a watched query and resolves with its first complete result. */
function firstComplete(observable) {
  return new Promise((resolve, reject) => {
    const subscription = observable.subscribe({
      next(result) {
        if (result.dataState === 'complete') resolve({ result, subscription });
      },
      error: reject,
    });
  });
}

async function pageWithApollo(list, direction) {
  const rec = recorder(`Apollo ${direction}`);
  const console_ = captureConsole();
  try {
    const client = apolloClient(rec);
    const forward = direction === 'forward';
    const query = gql(forward ? forwardQuery(list) : backwardQuery(list));
    const variables = variablesOf(list, forward ? { first: PAGE } : { last: PAGE });
    const observable = client.watchQuery({ query, variables });
    const { result, subscription } = await firstComplete(observable);
    let connection = connectionOf(list, result.data);
    let requests = 1;
    while (forward ? connection.pageInfo.hasNextPage : connection.pageInfo.hasPreviousPage) {
      assert.ok(requests < 100, `${list.label}: paging does not end`);
      await observable.fetchMore({
        variables: forward
          ? { after: connection.pageInfo.endCursor }
          : { before: connection.pageInfo.startCursor },
      });
      requests += 1;
      // The merged list, as relayStylePagination's read function gives it (the watched
      // query's own result catches up a tick later).
      connection = connectionOf(list, client.readQuery({ query, variables }));
    }
    subscription.unsubscribe();
    client.stop();
    return { ids: connection.edges.map((edge) => edge.node.id), totalCount: connection.totalCount, requests, rec, console_ };
  } finally {
    console_.restore();
  }
}

describe('Apollo Client 4 with relayStylePagination', () => {
  for (const list of lists) {
    for (const direction of ['forward', 'backward']) {
      test(`${list.label}, ${direction}, ${PAGE} per page`, async () => {
        const expected = await wholeList(list);
        const run = await pageWithApollo(list, direction);
        assertClean(`Apollo ${direction}`, run.rec, run.console_);
        assertCollected(list, run.ids, run.totalCount, expected, `Apollo ${direction}`);
        assert.equal(run.requests, Math.max(1, Math.ceil(run.totalCount / PAGE)), `${list.label}: requests`);
      });
    }
  }
});

// --- urql + graphcache -----------------------------------------------------------------------

function urqlClient(rec) {
  return new Client({
    url,
    fetch: rec.fetch,
    exchanges: [
      cacheExchange({
        // Schema-aware: graphcache checks the documents against the schema and warns about
        // what it cannot normalise.
        schema: introspectionFromSchema(schema),
        resolvers: {
          Network: { members: relayPagination() },
          Query: { cities: relayPagination() },
        },
      }),
      fetchExchange,
    ],
  });
}

/** The first result that is neither stale nor partial-while-fetching. */
function settled(source) {
  return new Promise((resolve, reject) => {
    let done = false;
    let subscription = null;
    subscription = source.subscribe((result) => {
      if (done || result.stale) return;
      done = true;
      if (subscription) subscription.unsubscribe();
      else queueMicrotask(() => subscription?.unsubscribe());
      if (result.error) reject(result.error);
      else resolve(result);
    });
  });
}

async function pageWithUrql(list, direction) {
  const rec = recorder(`urql ${direction}`);
  const console_ = captureConsole();
  try {
    const client = urqlClient(rec);
    const forward = direction === 'forward';
    const query = parse(forward ? forwardQuery(list) : backwardQuery(list));
    let variables = variablesOf(list, forward ? { first: PAGE } : { last: PAGE });
    let result = await settled(client.query(query, variables));
    let connection = connectionOf(list, result.data);
    let requests = 1;
    while (forward ? connection.pageInfo.hasNextPage : connection.pageInfo.hasPreviousPage) {
      assert.ok(requests < 100, `${list.label}: paging does not end`);
      variables = forward
        ? { ...variables, after: connection.pageInfo.endCursor }
        : { ...variables, before: connection.pageInfo.startCursor };
      result = await settled(client.query(query, variables));
      requests += 1;
      // relayPagination resolves the field to all pages fetched so far.
      connection = connectionOf(list, result.data);
    }
    return { ids: connection.edges.map((edge) => edge.node.id), totalCount: connection.totalCount, requests, rec, console_ };
  } finally {
    console_.restore();
  }
}

describe('urql with graphcache relayPagination', () => {
  for (const list of lists) {
    for (const direction of ['forward', 'backward']) {
      test(`${list.label}, ${direction}, ${PAGE} per page`, async () => {
        const expected = await wholeList(list);
        const run = await pageWithUrql(list, direction);
        assertClean(`urql ${direction}`, run.rec, run.console_);
        assertCollected(list, run.ids, run.totalCount, expected, `urql ${direction}`);
        assert.equal(run.requests, Math.max(1, Math.ceil(run.totalCount / PAGE)), `${list.label}: requests`);
      });
    }
  }
});

// --- the Relay compiler's operations ----------------------------------------------------------

const persisted = new URL('./relay/__generated__/persisted-queries.json', import.meta.url);

function relayOperations() {
  assert.ok(existsSync(persisted), 'run `npm run relay` first (it writes relay/__generated__)');
  const byName = {};
  for (const text of Object.values(JSON.parse(readFileSync(persisted, 'utf8')))) {
    const name = /^query (\w+)/.exec(text)[1];
    byName[name] = text;
  }
  return byName;
}

async function post(rec, query, variables) {
  const response = await rec.fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return response.json();
}

describe("the Relay compiler's generated operations", () => {
  test('NetworkPageQuery, then NetworkMembersPaginationQuery (node(id:)) until the end', async () => {
    const ops = relayOperations();
    const rec = recorder('Relay');
    const slug = 'international-city-network-for-crisis-management';
    const first = await post(rec, ops.NetworkPageQuery, { slug });
    const network = first.data.network;
    const ids = network.members.edges.map((edge) => edge.node.id);
    let pageInfo = network.members.pageInfo;
    while (pageInfo.hasNextPage) {
      assert.ok(ids.length < 1000, 'paging does not end');
      const next = await post(rec, ops.NetworkMembersPaginationQuery, {
        id: network.id,
        count: PAGE,
        cursor: pageInfo.endCursor,
      });
      assert.equal(next.data.node.__typename, 'Network');
      ids.push(...next.data.node.members.edges.map((edge) => edge.node.id));
      pageInfo = next.data.node.members.pageInfo;
    }
    assert.equal(rec.problems.length, 0, rec.report());
    assertCollected({ label: slug }, ids, network.members.totalCount, await wholeList({ root: 'network', slug }), 'Relay');
  });

  test('DirectoryQuery, DirectoryPaginationQuery, CityCardRefetchQuery, EventParticipantsPaginationQuery', async () => {
    const ops = relayOperations();
    const rec = recorder('Relay');
    const rostock = (await post(rec, '{ city(slug: "rostock") { id } }')).data.city.id;
    const directory = await post(rec, ops.DirectoryQuery, { search: 'peace', id: rostock });
    assert.equal(directory.data.node.id, rostock);
    assert.ok(directory.data.search.length > 0, 'search for "peace" found nothing');
    const networks = directory.data.networks;
    const more = await post(rec, ops.DirectoryPaginationQuery, { count: 5, cursor: networks.pageInfo.endCursor });
    const ids = [...networks.edges, ...more.data.networks.edges].map((edge) => edge.node.id);
    assert.equal(new Set(ids).size, ids.length, 'the second page repeats the first');
    await post(rec, ops.CityCardRefetchQuery, { id: rostock, networkCount: 2 });
    const event = (await post(rec, '{ events(first: 1) { nodes { id } } }')).data.events.nodes[0].id;
    const participants = await post(rec, ops.EventParticipantsPaginationQuery, { id: event, count: 2 });
    assert.equal(participants.data.node.__typename, 'Event');
    assert.equal(rec.problems.length, 0, rec.report());
  });
});

// --- errors: what a client gets when a page argument is wrong ----------------------------------

// Issue 14.1: an error under a non-null field must null the nearest nullable parent (or fail
// the whole request before execution) — never drop the key or put null in a non-null list, which
// Apollo reports as "Missing field" and graphcache drops.
const badRequests = [
  '{ city(slug: "rostock") { name } cities(first: 1000) { totalCount } }',
  '{ network(slug: "ubc") { name members(first: 2, after: "garbage") { nodes { id } } } }',
  '{ cities(first: 2) { nodes { memberships(first: 1000) { totalCount } } } }',
];

describe('error responses keep the schema-conformant shape', () => {
  for (const query of badRequests) {
    test(query, async () => {
      const rec = recorder('raw');
      const body = await post(rec, query);
      assert.ok(body.errors?.length, `no error for ${query}: ${JSON.stringify(body)}`);
      for (const error of body.errors) assert.ok(error.extensions?.code, `an error without extensions.code: ${JSON.stringify(error)}`);
      const shape = rec.problems.flatMap((entry) => entry.problems).filter((p) => !p.startsWith('errors: '));
      assert.deepEqual(shape, [], `${query}\n  response: ${JSON.stringify(body)}`);

      // Apollo with errorPolicy "all" keeps the partial data: it must not find a field missing.
      const apolloRec = recorder('Apollo');
      const console_ = captureConsole();
      try {
        const client = apolloClient(apolloRec);
        await client.query({ query: gql(query), errorPolicy: 'all' });
        client.stop();
      } finally {
        console_.restore();
      }
      assert.deepEqual(console_.messages, [], `${query}\n  response: ${JSON.stringify(body)}`);
    });
  }
});

// Issue 14.2: identical requests give identical bytes (ETags and response caches rely on it).
test('20 identical requests give byte-identical responses', async () => {
  const body = JSON.stringify({
    query: `{ networks(first: 5) { totalCount nodes { name members(first: 3) { totalCount nodes { name networkCount } } events { totalCount nodes { title } } } } }`,
  });
  const texts = new Set();
  for (let i = 0; i < 20; i += 1) {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    texts.add(await response.text());
  }
  assert.equal(texts.size, 1, `${texts.size} different responses:\n${[...texts].join('\n')}`);
});
