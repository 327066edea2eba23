// Subscriptions over plain HTTP with real clients against a live server (CITYNET_URL):
// graphql-sse's createClient, in distinct connections mode and in single connection mode, and
// Apollo Client 4's HttpLink, which carries subscriptions as multipart HTTP. Each client
// subscribes to `cityChanged` and must hear a city created by a mutation.
//
// The mutations need a writer's token: CITYNET_TOKEN (run.sh starts the server with it in
// API_TOKENS). When a subscription goes live is the server's business, so the test creates
// cities until the first change arrives.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { ApolloClient, HttpLink, InMemoryCache, gql } from '@apollo/client';
import { createClient } from 'graphql-sse';

import { url, waitForServer } from './lib/check.mjs';

const token = process.env.CITYNET_TOKEN;
const skip = token ? false : 'set CITYNET_TOKEN (a token in the server\'s API_TOKENS) to run mutations';

const CITY_CHANGED = 'subscription CityChanged { cityChanged { action cityId city { name } } }';

let created = 0;

async function createCity() {
  const name = `Subscribed ${process.pid} ${created++}`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: 'mutation($name: String!) { createCity(input: { name: $name }) { city { name } } }',
      variables: { name },
    }),
  });
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body));
  return name;
}

// Creates cities until `first` settles (the first change the client heard), for at most 15 s.
async function pokeUntil(first) {
  let settled = false;
  first.finally(() => { settled = true; }).catch(() => {});
  const deadline = Date.now() + 15_000;
  const names = [];
  while (!settled && Date.now() < deadline) {
    names.push(await createCity());
    await Promise.race([first.catch(() => {}), new Promise((resolve) => setTimeout(resolve, 200))]);
  }
  const change = await Promise.race([
    first,
    new Promise((_, reject) => setTimeout(() => reject(new Error('no change arrived')), 1_000)),
  ]);
  return { change, names };
}

function assertHeard({ change, names }) {
  assert.equal(change.action, 'CREATED', JSON.stringify(change));
  assert.ok(names.includes(change.city.name), `${change.city.name} is one of the cities created`);
}

describe('subscriptions over plain HTTP', { skip }, () => {
  before(() => waitForServer());

  for (const singleConnection of [false, true]) {
    test(`graphql-sse, singleConnection: ${singleConnection}`, async () => {
      const client = createClient({ url, singleConnection, retryAttempts: 0 });
      let dispose;
      const first = new Promise((resolve, reject) => {
        dispose = client.subscribe(
          { query: CITY_CHANGED },
          {
            next: (result) => (result.errors ? reject(new Error(JSON.stringify(result.errors))) : resolve(result.data.cityChanged)),
            error: reject,
            complete: () => {},
          },
        );
      });
      try {
        assertHeard(await pokeUntil(first));
      } finally {
        dispose();
        client.dispose();
      }
    });
  }

  test('Apollo Client 4 HttpLink (multipart subscriptions)', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: url }), cache: new InMemoryCache() });
    let subscription;
    const first = new Promise((resolve, reject) => {
      subscription = client.subscribe({ query: gql(CITY_CHANGED) }).subscribe({
        next: (result) => (result.error ? reject(result.error) : resolve(result.data.cityChanged)),
        error: reject,
      });
    });
    try {
      assertHeard(await pokeUntil(first));
    } finally {
      subscription.unsubscribe();
      client.stop();
    }
  });
});
