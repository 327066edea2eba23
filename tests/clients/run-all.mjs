// `npm test`: the checks in turn, each reported PASS or FAIL; all of them run even when
// one fails, and the exit code is non-zero when any failed. The paging, federation and subscription tests need
// a running server at CITYNET_URL (default http://127.0.0.1:8000/graphql); run.sh starts one.
import { spawnSync } from 'node:child_process';

const steps = [
  ['relay', 'Relay compiler: @connection/@refetchable fragments and queries against schema.graphql'],
  ['tada', 'gql.tada: generate-output, check (GraphQLSP diagnostics), tsc over the typed documents'],
  ['paging', `Apollo Client 4, urql + graphcache and the Relay operations paging against ${process.env.CITYNET_URL ?? 'http://127.0.0.1:8000/graphql'}`],
  ['federation', '@apollo/gateway (IntrospectAndCompose) composing Citynet as a subgraph, alone and with a second subgraph; queries and _entities through the gateway'],
  ['subscriptions', 'graphql-sse (distinct and single connection modes) and Apollo Client 4 HttpLink (multipart) each hearing a change a mutation made'],
];

const failed = [];
for (const [script, what] of steps) {
  console.log(`\n=== ${script}: ${what}`);
  const { status } = spawnSync('npm', ['run', '--silent', script], { stdio: 'inherit' });
  console.log(status === 0 ? `PASS ${script}` : `FAIL ${script} (exit ${status})`);
  if (status !== 0) failed.push(script);
}
console.log(
  failed.length === 0
    ? `\nclient suite: all ${steps.length} checks passed`
    : `\nclient suite: FAILED: ${failed.join(', ')} (of ${steps.length} checks)`,
);
process.exit(failed.length === 0 ? 0 : 1);
