// What the browser tests (and bench/explorer.mjs) share: Debian's chromium, driven by
// playwright-core, and a GraphQL client that asks the API as another client would.
import { chromium } from "playwright-core";
import assert from "node:assert/strict";

/** Debian's chromium (or $CHROMIUM), headless; never a downloaded browser. `extraArgs` are
 * added to the command line. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-background-networking", "--disable-dev-shm-usage", ...extraArgs],
  });
}

/** A function that POSTs a GraphQL request to `base` and returns its `data` (failing on errors). */
export function graphqlClient(base) {
  return async function graphql(query, variables = {}, headers = {}) {
    const response = await fetch(new URL("/graphql", base), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
    const body = await response.json();
    assert.equal(body.errors, undefined, JSON.stringify(body));
    return body.data;
  };
}
