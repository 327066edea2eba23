// Typed documents checked two ways: `gql.tada check` validates them against schema.graphql
// (GraphQLSP's diagnostics), and `tsc --noEmit` checks that their inferred result and variable
// types are what the code below uses — so a renamed field, a changed nullability or a changed
// enum breaks the build.
import { graphql, readFragment, type FragmentOf, type ResultOf, type VariablesOf } from './graphql.ts';

export const MemberFields = graphql(`
  fragment MemberFields on City @_unmask {
    id
    slug
    name
    kind
    countryCode
  }
`);

export const NetworkMembersPage = graphql(
  `
  query NetworkMembersPage($slug: String!, $first: Int, $after: String) {
    network(slug: $slug) {
      id
      name
      reportedMemberCount
      members(first: $first, after: $after) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            ...MemberFields
          }
        }
      }
    }
  }
`,
  [MemberFields],
);

export const CityCard = graphql(`
  fragment CityCard on City {
    id
    name
    networkCount
    memberships(first: 10) {
      nodes {
        role
        since
        network {
          acronym
          name
        }
      }
    }
  }
`);

export const NodeById = graphql(
  `
  query NodeById($id: ID!) {
    node(id: $id) {
      __typename
      id
      ... on City {
        ...CityCard
      }
      ... on Event {
        title
        year
        kind
      }
    }
  }
`,
  [CityCard],
);

export const Search = graphql(`
  query Search($query: String!) {
    search(query: $query, first: 5) {
      __typename
      ... on City {
        name
      }
      ... on Network {
        name
        topics
      }
      ... on Event {
        title
      }
    }
  }
`);

// --- type assertions (compile time only) ---------------------------------------------------

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(): T | undefined {
  return undefined;
}

type Page = ResultOf<typeof NetworkMembersPage>;
type Member = NonNullable<Page['network']>['members']['edges'][number]['node'];

expectType<Equal<VariablesOf<typeof NetworkMembersPage>, { slug: string; first?: number | null; after?: string | null }>>();
expectType<Equal<NonNullable<Page['network']>['members']['totalCount'], number>>();
expectType<Equal<NonNullable<Page['network']>['members']['pageInfo']['endCursor'], string | null>>();
expectType<Equal<Member['kind'], 'CITY' | 'REGION'>>();
expectType<Equal<Member['countryCode'], string | null>>();

export function memberNames(page: Page): string[] {
  const network = page.network;
  if (!network) return [];
  return network.members.edges.map((edge) => `${edge.node.name} (${edge.node.kind})`);
}

export function describeNode(result: ResultOf<typeof NodeById>): string {
  const node = result.node;
  if (!node) return 'nothing';
  switch (node.__typename) {
    case 'City': {
      const ref: FragmentOf<typeof CityCard> = node;
      const city = readFragment(CityCard, ref);
      const roles = city.memberships.nodes.map((m) => `${m.role} of ${m.network.acronym ?? m.network.name}`);
      return `${city.name}: ${city.networkCount} networks (${roles.join(', ')})`;
    }
    case 'Event':
      return `${node.title} (${node.kind}, ${node.year ?? 'year unknown'})`;
    default:
      return `${node.__typename} ${node.id}`;
  }
}

export function searchLabels(result: ResultOf<typeof Search>): string[] {
  return result.search.map((hit) => {
    switch (hit.__typename) {
      case 'City':
        return hit.name;
      case 'Network':
        return `${hit.name} [${hit.topics.join(', ')}]`;
      case 'Event':
        return hit.title;
    }
  });
}

export type CityCardData = FragmentOf<typeof CityCard>;

// A field that is not in the schema must not type-check.
// @ts-expect-error `population` is not a field of City
export const notAField = (m: Member) => m.population;
