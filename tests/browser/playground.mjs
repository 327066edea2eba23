// The playground in a real browser (Debian's chromium, driven by playwright-core) against a
// real server: it loads with nothing from any other host and no Content-Security-Policy
// violation, a typed query runs and its result is shown, the docs explorer opens, and a
// subscription shows a change that another client (this script, over HTTP) makes.
//
//   node tests/browser/playground.mjs http://127.0.0.1:PORT <api-token> <screenshot.png>
import { graphqlClient, launchChromium } from "./lib.mjs";
import assert from "node:assert/strict";

const [base, token, screenshot] = process.argv.slice(2);
assert.ok(base && token && screenshot, "usage: playground.mjs BASE_URL TOKEN SCREENSHOT");
const server = new URL(base);

const graphql = graphqlClient(base);

/** The text of the CodeMirror editor inside `selector`. */
async function editorText(page, selector) {
  return page.evaluate(
    (sel) => document.querySelector(`${sel} .CodeMirror`).CodeMirror.getValue(),
    selector,
  );
}

/** Replaces the query editor's text by typing `text` on the keyboard. */
async function typeQuery(page, text) {
  await page.click(".graphiql-query-editor .CodeMirror");
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text, { delay: 5 });
  await page.keyboard.press("Escape"); // close any autocompletion list
  const typed = await editorText(page, ".graphiql-query-editor");
  assert.equal(typed.replace(/\s+/g, " ").trim(), text, "the editor holds what was typed");
  // GraphiQL re-reads the operation (its name, for the request) shortly after an edit.
  await page.waitForTimeout(500);
}

/** Waits until the response pane shows JSON for which `accept(json)` is true; returns it. */
async function waitForResult(page, accept, what) {
  const deadline = Date.now() + 15_000;
  let last = "";
  while (Date.now() < deadline) {
    last = await editorText(page, ".graphiql-response").catch(() => "");
    try {
      const json = JSON.parse(last);
      if (accept(json)) return json;
    } catch {
      // Not JSON yet (empty, or still streaming).
    }
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting for ${what}; the response pane shows: ${last}`);
}

const browser = await launchChromium();
const foreign = [];
const problems = [];
const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
try {
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.protocol !== "data:" && url.host !== server.host) foreign.push(request.url());
  });
  page.on("websocket", (socket) => {
    if (new URL(socket.url()).host !== server.host) foreign.push(socket.url());
  });
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));

  const response = await page.goto(new URL("/graphql", base).href);
  assert.equal(response.status(), 200);
  assert.match(response.headers()["content-security-policy"], /script-src 'self'/);
  await page.waitForSelector(".graphiql-query-editor .CodeMirror", { timeout: 15_000 });
  assert.match(await editorText(page, ".graphiql-query-editor"), /city\(slug: "rostock"\)/);

  // A typed query, run with the button; the result shown must be what the API says.
  const query = '{ network(slug: "ubc") { name acronym members(first: 2) { totalCount } } }';
  await typeQuery(page, query);
  await page.click(".graphiql-execute-button");
  const shown = await waitForResult(page, (json) => json.data?.network, "the query result");
  const expected = await graphql(query);
  assert.deepEqual(shown.data, expected, "the playground shows the API's answer");
  assert.equal(shown.data.network.acronym, "UBC");

  // The schema docs explorer.
  await page.click('[aria-label="Show Documentation Explorer"]');
  await page.waitForSelector(".graphiql-doc-explorer >> text=Root Types", { timeout: 10_000 });
  await page.click('.graphiql-doc-explorer a:text-is("Query")');
  await page.waitForSelector(".graphiql-doc-explorer >> text=sharedNetworks", { timeout: 10_000 });

  // A subscription: the playground shows a change made by another client.
  await typeQuery(page, "subscription { cityChanged { action city { name } } }");
  await page.click(".graphiql-execute-button");
  const name = `Playground Town ${Date.now()}`;
  const poke = setInterval(() => {
    graphql(
      "mutation($name: String!) { createCity(input: { name: $name }) { city { id } } }",
      { name },
      { authorization: `Bearer ${token}` },
    ).catch((error) => problems.push(`mutation: ${error.message}`));
  }, 500);
  try {
    const change = await waitForResult(
      page,
      (json) => json.data?.cityChanged?.city?.name === name,
      "the subscription to show the new city",
    );
    assert.equal(change.data.cityChanged.action, "CREATED");
  } finally {
    clearInterval(poke);
  }

} catch (error) {
  // Keep what the page looked like when it failed.
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  throw error;
} finally {
  await page.screenshot({ path: screenshot, fullPage: true }).catch(() => {});
  await browser.close();
}

assert.deepEqual(foreign, [], "the page made requests to other hosts");
assert.deepEqual(problems, [], "the page reported errors (e.g. CSP violations)");
console.log(`playground ok: query, docs explorer and subscription; screenshot at ${screenshot}`);
