#!/usr/bin/env bash
# graphql-schema-linter over the committed schema.graphql (the public schema: federation off; a
# test keeps the file equal to what the server builds). Every rule but the ordering ones must
# pass: Citynet orders fields by meaning, not alphabetically. Installs from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund --loglevel=error
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
# The linter exits 1 when it finds anything; the findings are judged below.
npx --no-install graphql-schema-linter --format json ../../schema.graphql > "$report" || true
node --input-type=module - "$report" <<'JS'
import { readFileSync } from 'node:fs';
const { errors } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const ordering = (rule) => rule.endsWith('-sorted-alphabetically');
const findings = errors.filter(({ rule }) => !ordering(rule));
const counts = {};
for (const { rule } of errors) counts[rule] = (counts[rule] ?? 0) + 1;
console.log('graphql-schema-linter findings by rule:', JSON.stringify(counts));
if (errors.length === 0) {
  console.log('no findings at all');
}
for (const { rule, message, location } of findings) {
  console.error(`${rule} (line ${location?.line}): ${message}`);
}
if (findings.length > 0) {
  console.error(`${findings.length} finding(s) beyond the ordering rules`);
  process.exit(1);
}
JS
