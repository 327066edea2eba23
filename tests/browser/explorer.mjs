// The explorer (/explore) in a real browser (Debian's chromium, driven by playwright-core)
// against a real server with the seed data: nothing from any other host and no console error;
// one map marker per place with coordinates and one graph node per network (counted through the
// API); Rostock's panel lists its networks; search offers Düsseldorf for "dusseldorf"; the chain
// Dunkirk → Berlin is highlighted on the map and the graph; "open in playground" opens GraphiQL
// with the panel's query; the topic and country filters; markers and the panel work from the
// keyboard; all without WebGL.
//
//   node tests/browser/explorer.mjs http://127.0.0.1:PORT <screenshot.png>
import { graphqlClient, launchChromium } from "./lib.mjs";
import assert from "node:assert/strict";

const [base, screenshot] = process.argv.slice(2);
assert.ok(base && screenshot, "usage: explorer.mjs BASE_URL SCREENSHOT");
const server = new URL(base);

const graphql = graphqlClient(base);

async function allCities() {
  const cities = [];
  let after = null;
  do {
    const page = await graphql(
      "query($after: String) { cities(first: 100, after: $after) { pageInfo { hasNextPage endCursor } nodes { slug latitude longitude } } }",
      { after },
    );
    cities.push(...page.cities.nodes);
    after = page.cities.pageInfo.hasNextPage ? page.cities.pageInfo.endCursor : null;
  } while (after);
  return cities;
}

// Without WebGL: the map is a 2D canvas and SVG.
const browser = await launchChromium(["--disable-webgl", "--disable-3d-apis"]);
const foreign = [];
const problems = [];
const context = await browser.newContext({ viewport: { width: 1500, height: 900 } });
context.on("request", (request) => {
  const url = new URL(request.url());
  if (url.protocol !== "data:" && url.host !== server.host) foreign.push(request.url());
});
const watch = (page) => {
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
};
const page = await context.newPage();
watch(page);
try {
  const response = await page.goto(new URL("/explore", base).href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  await page.waitForSelector("body[data-ready]", { timeout: 30_000 });

  // One marker per place with coordinates, one node per network.
  const cities = await allCities();
  const located = cities.filter((c) => c.latitude !== null && c.longitude !== null);
  assert.equal(await page.locator("#map [data-place]").count(), located.length, "a marker per located place");
  for (const city of located) {
    const marker = page.locator(`#map [data-place="${city.slug}"]`);
    assert.equal(await marker.count(), 1, `the marker of ${city.slug}`);
    assert.ok(await marker.getAttribute("aria-label"), `${city.slug}'s marker has an accessible name`);
  }
  const { networks } = await graphql("{ networks(first: 100) { totalCount nodes { slug } } }");
  assert.equal(await page.locator("#graph [data-network]").count(), networks.totalCount, "a node per network");
  for (const network of networks.nodes) {
    assert.equal(await page.locator(`#graph [data-network="${network.slug}"]`).count(), 1, network.slug);
  }

  // Rostock's panel: its networks, as the API lists them.
  const { city: rostock } = await graphql(
    '{ city(slug: "rostock") { memberships(first: 50) { nodes { network { name acronym } } } } }',
  );
  await page.click('#map [data-place="rostock"]');
  const panel = page.locator("[data-panel]");
  await panel.locator("h2", { hasText: "Rostock" }).waitFor();
  const networksSection = panel.locator("section", { has: page.locator("h3", { hasText: /^Networks/ }) });
  assert.equal(await networksSection.locator("li").count(), rostock.memberships.nodes.length);
  assert.equal(rostock.memberships.nodes.length, 4, "the seed gives Rostock four networks");
  const listed = await networksSection.innerText();
  for (const { network } of rostock.memberships.nodes) {
    assert.ok(listed.includes(network.name), `Rostock's panel names ${network.name}`);
  }

  // "Open in playground": GraphiQL with the panel's query and variables.
  const href = await panel.locator("[data-playground]").getAttribute("href");
  const shared = new URL(href, base).searchParams;
  assert.match(shared.get("query"), /query PlacePanel\(\$slug: String!\)/);
  const playground = await context.newPage();
  watch(playground);
  await playground.goto(new URL(href, base).href);
  await playground.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 15_000 });
  const editor = await playground.evaluate(
    () => document.querySelector(".graphiql-query-editor .CodeMirror").CodeMirror.getValue(),
  );
  assert.equal(editor, shared.get("query"), "the playground opens with the panel's query");
  await playground.click(".graphiql-execute-button");
  await playground.waitForFunction(
    () => document.querySelector(".graphiql-response .CodeMirror")?.CodeMirror.getValue().includes('"Rostock"'),
    null,
    { timeout: 15_000 },
  );
  await playground.close();

  // Search.
  await page.fill("[data-search]", "dusseldorf");
  const hit = page.locator('[data-result="city:dusseldorf"]');
  await hit.waitFor({ timeout: 10_000 });
  assert.match(await hit.innerText(), /Düsseldorf/);
  // From the keyboard: down into the results, Enter opens the place.
  await page.focus("[data-search]");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Enter");
  await panel.locator("h2", { hasText: "Düsseldorf" }).waitFor();
  assert.equal(await page.locator('[data-result="city:dusseldorf"]').count(), 0, "the results close");

  // The chain Dunkirk → Berlin, as the API finds it.
  const { connection } = await graphql(
    '{ connection(from: "dunkirk", to: "berlin") { places { slug } networks { slug } } }',
  );
  await page.click('#map [data-place="dunkirk"]');
  await panel.locator("h2", { hasText: "Dunkirk" }).waitFor();
  await page.click("[data-panel] [data-chain-from]");
  await page.click('#map [data-place="berlin"]');
  await panel.locator("h2", { hasText: "Berlin" }).waitFor();
  await page.click("[data-panel] [data-chain-to]");
  await page.waitForSelector('#map [data-place="berlin"][data-chain]', { timeout: 10_000 });
  for (const { slug } of connection.places) {
    await page.waitForSelector(`#map [data-place="${slug}"][data-chain]`, { timeout: 5_000 });
    await page.waitForSelector(`#graph [data-graph-place="${slug}"][data-chain]`, { timeout: 5_000 });
  }
  for (const { slug } of connection.networks) {
    await page.waitForSelector(`#graph [data-network="${slug}"][data-chain]`, { timeout: 5_000 });
  }
  assert.equal(
    await page.locator("#map [data-place][data-chain]").count(),
    connection.places.length,
    "only the chain's places are highlighted",
  );
  assert.match(page.url(), /#place=berlin&chain=dunkirk,berlin$/, "the address names the selection and the chain");
  await page.screenshot({ path: screenshot });

  // The chain's address opens it in a fresh page.
  const chained = await context.newPage();
  watch(chained);
  await chained.goto(new URL("/explore#chain=dunkirk,berlin", base).href);
  await chained.waitForSelector("body[data-ready]", { timeout: 30_000 });
  for (const { slug } of connection.places) {
    await chained.waitForSelector(`#map [data-place="${slug}"][data-chain]`, { timeout: 10_000 });
  }
  await chained.close();

  // Panels link to each other, and the address names the selection.
  await panel.locator('a[href="#network=eccar"]').first().click();
  await panel.locator("h2", { hasText: "European Coalition of Cities against Racism" }).waitFor();
  assert.match(page.url(), /#network=eccar&chain=dunkirk,berlin$/);
  await page.goBack();
  await panel.locator("h2", { hasText: "Berlin" }).waitFor();

  // Filters: a topic leaves its networks' members at full strength, a country its places.
  const { networks: climate } = await graphql(
    '{ networks(first: 100, filter: { topics: ["climate"] }) { nodes { slug members(first: 100) { nodes { slug latitude } } } } }',
  );
  const members = new Set(
    climate.nodes.flatMap((n) => n.members.nodes.filter((m) => m.latitude !== null).map((m) => m.slug)),
  );
  assert.ok(members.size > 0, "the seed has climate networks with located members");
  await page.selectOption("[data-filter-topic]", "climate");
  await page.waitForFunction(
    (count) => document.querySelectorAll("#map [data-place]:not(.dimmed)").length === count,
    members.size,
    { timeout: 10_000 },
  );
  for (const slug of members) {
    assert.equal(await page.locator(`#map [data-place="${slug}"].dimmed`).count(), 0, `${slug} is shown`);
  }
  for (const network of climate.nodes) {
    assert.equal(await page.locator(`#graph [data-network="${network.slug}"].dimmed`).count(), 0);
  }
  await page.selectOption("[data-filter-topic]", "");
  await page.selectOption("[data-filter-country]", "PL");
  const polish = located.length - (await page.locator("#map [data-place].dimmed").count());
  const { cities: inPoland } = await graphql(
    '{ cities(first: 100, filter: { countryCodes: ["PL"] }) { nodes { latitude } } }',
  );
  assert.equal(polish, inPoland.nodes.filter((c) => c.latitude !== null).length, "only Polish places shown");
  await page.selectOption("[data-filter-country]", "");

  // The keyboard: focus a marker, open its panel with Enter.
  await page.focus('#map [data-place="helsinki"]');
  await page.keyboard.press("Enter");
  await panel.locator("h2", { hasText: "Helsinki" }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), "H2", "the panel takes the focus");
  await page.focus("[data-search]");
  assert.equal(await page.evaluate(() => document.activeElement?.hasAttribute("data-search")), true);
} catch (error) {
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  throw error;
} finally {
  await browser.close();
}

assert.deepEqual(foreign, [], "the explorer made requests to other hosts");
assert.deepEqual(problems, [], "the explorer reported errors (e.g. CSP violations)");
console.log(`explorer ok: markers, nodes, panel, playground, search, chain, filters, keyboard; screenshot at ${screenshot}`);
