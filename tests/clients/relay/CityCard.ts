import { graphql } from './graphql';

// A @refetchable fragment on a Node type: Relay generates CityCardRefetchQuery as
// `node(id: $id) { ...CityCard_city }`.
export const cityCardFragment = graphql`
  fragment CityCard_city on City
  @refetchable(queryName: "CityCardRefetchQuery")
  @argumentDefinitions(networkCount: { type: "Int", defaultValue: 3 }) {
    id
    name
    countryCode
    latitude
    longitude
    networkCount
    networks(first: $networkCount) {
      totalCount
      nodes {
        id
        acronym
        name
      }
    }
    source {
      key
      title
    }
  }
`;

// Backward paging: @connection over Event.participants with last/before.
export const eventParticipantsFragment = graphql`
  fragment EventParticipants_event on Event
  @argumentDefinitions(count: { type: "Int", defaultValue: 2 }, cursor: { type: "String" })
  @refetchable(queryName: "EventParticipantsPaginationQuery") {
    id
    title
    year
    kind
    host {
      ...CityCard_city
    }
    participants(last: $count, before: $cursor)
      @connection(key: "EventParticipants_participants") {
      edges {
        node {
          id
          name
        }
      }
    }
  }
`;
