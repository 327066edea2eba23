// The example client against a real server (CITYNET_URL, started by scripts/web-example).
// Every expectation is checked against what the API itself says, not against fixed numbers.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";

import { Citynet } from "../citynet.js";

const endpoint = process.env.CITYNET_URL ?? "http://127.0.0.1:8000/graphql";
const citynet = new Citynet(endpoint);

/** One request the client sent and what came back, as a fetch wrapper saw them. */
interface Exchange {
  method: string;
  url: URL;
  /** The JSON body of a POST; null for a GET. */
  body: any;
  status: number;
  etag: string | null;
  response: any;
}

/** A fetch that records every exchange in `log`, for a Citynet under test. */
function recordingFetch(): { fetch: typeof fetch; log: Exchange[] } {
  const log: Exchange[] = [];
  const recording: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    const body = typeof init?.body === "string" ? JSON.parse(init.body) : null;
    log.push({
      method: init?.method ?? "GET",
      url: new URL(input instanceof Request ? input.url : String(input)),
      body,
      status: response.status,
      etag: response.headers.get("etag"),
      response: await response.clone().json(),
    });
    return response;
  };
  return { fetch: recording, log };
}

/** The parts of a GET request's URL, with the JSON ones parsed. */
function getParams(exchange: Exchange): {
  query: string | null;
  operationName: string | null;
  variables: any;
  extensions: any;
} {
  const params = exchange.url.searchParams;
  const json = (name: string) => {
    const value = params.get(name);
    return value === null ? null : JSON.parse(value);
  };
  return {
    query: params.get("query"),
    operationName: params.get("operationName"),
    variables: json("variables"),
    extensions: json("extensions"),
  };
}

/** A line per exchange (method, operation, what it carried → status, outcome), for the log. */
function account(log: Exchange[]): string {
  return log
    .map((e) => {
      const sent = e.method === "GET" ? getParams(e) : e.body;
      const carried = sent.query ? "query + hash" : "hash only";
      const outcome = e.response.errors
        ? e.response.errors.map((error: any) => error.extensions?.code ?? error.message).join(",")
        : "data";
      return `${e.method} ${sent.operationName} (${carried}) → ${e.status} ${outcome}`;
    })
    .join("\n");
}

const NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND";

/**
 * Checks an operation's first request ever on this server: a hash-only GET answered with
 * PERSISTED_QUERY_NOT_FOUND, then one POST that registers the query under that hash and gets
 * the data. Returns the hash.
 */
function assertRegistration(log: Exchange[], operationName: string): string {
  const [miss, register] = log;
  assert.ok(miss && register, account(log));
  assert.equal(miss.method, "GET", "the hashed query goes as a GET");
  const sent = getParams(miss);
  assert.equal(sent.query, null, "the first request carries the hash, not the query");
  assert.equal(sent.operationName, operationName);
  assert.equal(sent.extensions.persistedQuery.version, 1);
  const hash: string = sent.extensions.persistedQuery.sha256Hash;
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(miss.status, 200, "the protocol wants 200 for an unknown hash");
  assert.equal(miss.response.data, undefined);
  assert.deepEqual(
    miss.response.errors.map((error: any) => error.extensions?.code),
    [NOT_FOUND],
    "a server that has not seen the operation asks for it (run against a fresh server)",
  );

  assert.equal(register.method, "POST", "the full query goes in a POST body");
  assert.equal(register.url.search, "");
  assert.equal(register.body.operationName, operationName);
  assert.deepEqual(register.body.variables, sent.variables);
  assert.deepEqual(register.body.extensions.persistedQuery, { version: 1, sha256Hash: hash });
  assert.equal(
    createHash("sha256").update(register.body.query).digest("hex"),
    hash,
    "the hash is the SHA-256 of the query text",
  );
  assert.equal(register.status, 200);
  assert.equal(register.response.errors, undefined, JSON.stringify(register.response.errors));
  assert.ok(register.response.data);
  return hash;
}

/** Checks a request that the server answers from its persisted store: a hash-only GET. */
function assertHit(exchange: Exchange, hash: string): void {
  assert.equal(exchange.method, "GET");
  const sent = getParams(exchange);
  assert.equal(sent.query, null, "no query text once the server has it");
  assert.equal(sent.extensions.persistedQuery.sha256Hash, hash);
  assert.equal(exchange.status, 200);
  assert.equal(exchange.response.errors, undefined, JSON.stringify(exchange.response.errors));
  assert.ok(exchange.response.data);
  assert.ok(exchange.etag, "a GET answer carries an ETag");
}

/** A raw request, bypassing the typed client, to compare with. */
async function raw(query: string): Promise<any> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body: any = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const CRISIS_NETWORK = "international-city-network-for-crisis-management";

// Runs first, on a server that has not seen these operations (scripts/web-example starts a fresh
// one and runs the tests before anything else queries it): the persisted store is the server's.
test("hashed queries go as GETs: the first registers the query, then the hash alone suffices", async () => {
  const first = recordingFetch();
  const partners = await new Citynet(endpoint, { fetch: first.fetch }).cityPartners("rostock", 5);
  assert.equal(first.log.length, 2, account(first.log));
  const hash = assertRegistration(first.log, "CityPartners");
  assert.ok(partners, "Rostock exists");
  assert.equal(partners.name, first.log[1]?.response.data.city.name);
  assert.equal(partners.partners.length, 5);

  // A new client (its own cache, its own link): one hash-only GET, answered with the data.
  const second = recordingFetch();
  const again = await new Citynet(endpoint, { fetch: second.fetch }).cityPartners("rostock", 5);
  assert.equal(second.log.length, 1, account(second.log));
  assertHit(second.log[0]!, hash);
  assert.deepEqual(again, partners, "the same answer as the first run");

  // Paging: the operation is registered once, whatever the variables; the next pages hit.
  const paging = recordingFetch();
  const members = await new Citynet(endpoint, { fetch: paging.fetch }).networkMembers(
    CRISIS_NETWORK,
    3,
  );
  assert.ok(members, "the network exists");
  const pages = Math.ceil(members.totalCount / 3);
  assert.ok(pages > 1, "more than one page");
  assert.deepEqual(
    paging.log.map((e) => e.method),
    ["GET", "POST", ...Array<string>(pages - 1).fill("GET")],
    account(paging.log),
  );
  const membersHash = assertRegistration(paging.log, "NetworkMembers");
  assert.notEqual(membersHash, hash);
  for (const exchange of paging.log.slice(2)) assertHit(exchange, membersHash);
  console.log(account([...first.log, ...second.log, ...paging.log]));
});

test("pages through all of a network's members", async () => {
  const pageSize = 3;
  const result = await citynet.networkMembers(CRISIS_NETWORK, pageSize);
  assert.ok(result, "the network exists");
  assert.ok(result.totalCount > pageSize, "more members than one page holds");
  assert.equal(result.members.length, result.totalCount, "every page was followed");
  assert.equal(new Set(result.members.map((m) => m.id)).size, result.members.length);
  const direct = await raw(
    `{ network(slug: "${CRISIS_NETWORK}") { members(first: 100) { nodes { slug } } } }`,
  );
  assert.deepEqual(
    result.members.map((m) => m.slug),
    direct.network.members.nodes.map((m: { slug: string }) => m.slug),
    "the same members in the same order as one big page",
  );
});

test("a place's partners share the networks they are listed with", async () => {
  const result = await citynet.cityPartners("rostock", 50);
  assert.ok(result, "Rostock exists");
  assert.ok(result.partners.length > 0);
  const counts = result.partners.map((p) => p.sharedNetworkCount);
  assert.deepEqual(counts, [...counts].sort((a, b) => b - a), "most shared first");
  const rostock = await raw('{ city(slug: "rostock") { networks(first: 100) { nodes { slug } } } }');
  const rostockNetworks = new Set(
    rostock.city.networks.nodes.map((n: { slug: string }) => n.slug),
  );
  for (const partner of result.partners) {
    assert.equal(partner.sharedNetworks.length, partner.sharedNetworkCount);
    for (const network of partner.sharedNetworks) {
      assert.ok(rostockNetworks.has(network.slug), `${network.slug} is one of Rostock's`);
    }
  }
});

test("unknown slugs give null, not an exception", async () => {
  assert.equal(await citynet.networkMembers("no-such-network"), null);
  assert.equal(await citynet.cityPartners("no-such-place"), null);
});
