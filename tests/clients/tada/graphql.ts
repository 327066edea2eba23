import { initGraphQLTada } from 'gql.tada';
import type { introspection } from './graphql-env.d.ts';

// `graphql-env.d.ts` is generated from ../../schema.graphql by `gql.tada generate output`.
export const graphql = initGraphQLTada<{
  introspection: introspection;
  scalars: { ID: string };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from 'gql.tada';
export { readFragment } from 'gql.tada';
