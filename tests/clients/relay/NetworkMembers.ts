import { graphql } from './graphql';

// A paginated list of a network's members: @connection over Network.members (Relay adds
// edges { cursor node { __typename } } and pageInfo { endCursor hasNextPage } itself) and
// @refetchable, which makes Relay generate a `node(id:)` query for the next page — so this
// checks that Network implements Node, that Query.node exists and that CityConnection is a
// Relay connection.
export const networkMembersFragment = graphql`
  fragment NetworkMembers_network on Network
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 2 }
    cursor: { type: "String" }
    filter: { type: "CityFilter" }
  )
  @refetchable(queryName: "NetworkMembersPaginationQuery") {
    id
    name
    members(first: $count, after: $cursor, filter: $filter)
      @connection(key: "NetworkMembers_members", filters: ["filter"]) {
      totalCount
      edges {
        node {
          id
          slug
          name
          kind
          countryCode
          ...CityCard_city
        }
      }
    }
  }
`;

// The page's query: a network by slug, with the members' first page.
export const networkPageQuery = graphql`
  query NetworkPageQuery($slug: String!) {
    network(slug: $slug) {
      acronym
      reportedMemberCount
      ...NetworkMembers_network
    }
  }
`;
