import { graphql } from './graphql';

// A root-level connection with a filter and an order, refetchable on Query, and a search
// over the SearchResult union.
export const directoryFragment = graphql`
  fragment Directory_query on Query
  @argumentDefinitions(
    count: { type: "Int", defaultValue: 5 }
    cursor: { type: "String" }
    filter: { type: "NetworkFilter" }
    orderBy: { type: "NetworkOrder", defaultValue: { field: NAME, direction: ASC } }
  )
  @refetchable(queryName: "DirectoryPaginationQuery") {
    networks(first: $count, after: $cursor, filter: $filter, orderBy: $orderBy)
      @connection(key: "Directory_networks", filters: ["filter", "orderBy"]) {
      totalCount
      edges {
        node {
          id
          slug
          name
          topics
          foundedYear
          foundedIn {
            name
          }
        }
      }
    }
  }
`;

export const directoryQuery = graphql`
  query DirectoryQuery($search: String!, $id: ID!) {
    ...Directory_query
    search(query: $search, first: 5) {
      __typename
      ... on City {
        id
        name
      }
      ... on Network {
        id
        name
      }
      ... on Event {
        id
        title
      }
    }
    node(id: $id) {
      id
      ...CityCard_city @alias(as: "city")
    }
  }
`;
