// Times the explorer (/explore) in Debian's chromium against a running server: first paint
// (the first marker drawn from the API's data), every place loaded, and opening the panel of the
// place with the most networks (its "hub": search, click, panel shown; median of 5). Prints JSON.
//
//   node bench/explorer.mjs http://127.0.0.1:PORT
// Needs tests/browser's npm packages (npm ci --prefix tests/browser).
import { graphqlClient, launchChromium } from "../tests/browser/lib.mjs";

const [base] = process.argv.slice(2);

const graphql = graphqlClient(base);

/** The place with the most networks: the highest `minNetworks` that still finds one. */
async function hub() {
  const find = async (min) =>
    (await graphql("query($min: Int!) { cities(first: 1, filter: { minNetworks: $min }) { nodes { slug name networkCount } } }", { min })).cities.nodes[0];
  let [low, high] = [1, 1];
  while (await find(high * 2)) high *= 2;
  high *= 2;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (await find(middle)) low = middle;
    else high = middle;
  }
  return find(low);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const target = await hub();
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 900 } });
  const started = Date.now();
  await page.goto(new URL("/explore", base).href);
  await page.waitForSelector("#map circle", { timeout: 600_000 });
  const firstPaint = Date.now() - started;
  await page.waitForSelector("body[data-ready]", { timeout: 600_000 });
  const loaded = Date.now() - started;
  const panels = [];
  for (let run = 0; run < 5; run += 1) {
    await page.fill("[data-search]", "");
    await page.fill("[data-search]", target.name);
    const result = page.locator(`[data-result="city:${target.slug}"]`);
    await result.waitFor({ timeout: 30_000 });
    const clicked = Date.now();
    await result.click();
    await page.locator("[data-panel] h2", { hasText: target.name }).waitFor({ timeout: 30_000 });
    panels.push(Date.now() - clicked);
    await page.click("[data-panel] [data-chain-from]"); // another selection in between
  }
  const places = await page.locator("#status").innerText();
  console.log(
    JSON.stringify({
      first_paint_ms: firstPaint,
      all_places_ms: loaded,
      hub: `${target.name} (${target.networkCount} networks)`,
      hub_panel_ms: median(panels),
      status: places,
    }),
  );
} finally {
  await browser.close();
}
