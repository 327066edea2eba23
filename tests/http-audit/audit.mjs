// GraphQL-over-HTTP compliance: graphql-http's auditServer against a running Citynet.
// Usage: node audit.mjs http://127.0.0.1:8000/graphql
// Waits up to 60 s for the server's /health, then audits. Exits non-zero when any MUST
// requirement fails; SHOULD/MAY findings are printed as warnings.
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8000/graphql';
const health = new URL('/health', url);

for (let attempt = 0; ; attempt += 1) {
  try {
    const response = await fetch(health);
    if (response.ok) break;
  } catch {
    // not listening yet
  }
  if (attempt >= 600) {
    console.error(`no answer from ${health} after 60 s`);
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
}

const results = await auditServer({ url });
const counts = { ok: 0, warn: 0, error: 0 };
for (const result of results) {
  counts[result.status] += 1;
  if (result.status !== 'ok') {
    const label = result.status === 'error' ? 'MUST FAILED' : 'warning';
    console.log(`${label}: ${result.name}: ${result.reason}`);
  }
}
console.log(
  `graphql-http audit of ${url}: ${counts.ok} ok, ${counts.warn} warnings, ${counts.error} MUST failures`,
);
process.exit(counts.error === 0 && counts.ok > 0 ? 0 : 1);
