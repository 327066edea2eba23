// The example client against a real server (CITYNET_URL, started by scripts/web-example).
// Every expectation is checked against what the API itself says, not against fixed numbers.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Citynet } from "../citynet.js";

const endpoint = process.env.CITYNET_URL ?? "http://127.0.0.1:8000/graphql";
const citynet = new Citynet(endpoint);

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
