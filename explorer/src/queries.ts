// The operations the explorer sends: what a frontend developer would write against the public
// API. Each panel shows its own in the playground ("open in playground").

import type { Operation } from "./api";

export type Role = "MEMBER" | "FOUNDING_MEMBER" | "CO_FOUNDER" | "INITIATOR";

export interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface PlaceSummary {
  slug: string;
  name: string;
  kind: "CITY" | "REGION";
  countryCode: string | null;
  latitude: number | null;
  longitude: number | null;
  networkCount: number;
}

export interface NetworkSummary {
  slug: string;
  name: string;
  acronym: string | null;
  topics: string[];
  memberships: { totalCount: number };
}

export const networksPage = (after: string | null): Operation => ({
  query: `query ExplorerNetworks($after: String) {
  networks(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { slug name acronym topics memberships(first: 1) { totalCount } }
  }
}`,
  variables: { after },
});

export interface NetworksPage {
  networks: { totalCount: number; pageInfo: PageInfo; nodes: NetworkSummary[] };
}

export const placesPage = (after: string | null): Operation => ({
  query: `query ExplorerPlaces($after: String) {
  cities(first: 100, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { slug name kind countryCode latitude longitude networkCount }
  }
}`,
  variables: { after },
});

export interface PlacesPage {
  cities: { totalCount: number; pageInfo: PageInfo; nodes: PlaceSummary[] };
}

/** Every membership of up to 100 networks with up to 100 members each: the whole graph of a
 * small world in one request. */
export const wholeGraph = (): Operation => ({
  query: `query ExplorerGraph {
  networks(first: 100) {
    nodes {
      slug
      memberships(first: 100) { nodes { role city { slug } } }
    }
  }
}`,
  variables: {},
});

export interface WholeGraph {
  networks: { nodes: { slug: string; memberships: { nodes: { role: Role; city: { slug: string } }[] } }[] };
}

export const twinsPage = (after: string | null): Operation => ({
  query: `query ExplorerTwins($after: String) {
  cities(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes { slug twinCities(first: 10) { nodes { slug } } }
  }
}`,
  variables: { after },
});

export interface TwinsPage {
  cities: {
    pageInfo: PageInfo;
    nodes: { slug: string; twinCities: { nodes: { slug: string }[] } }[];
  };
}

export const placePanel = (slug: string): Operation => ({
  query: `query PlacePanel($slug: String!) {
  city(slug: $slug) {
    slug
    name
    alternateNames
    kind
    countryCode
    latitude
    longitude
    memberships(first: 50) {
      totalCount
      nodes { role since representedBy network { slug name acronym } }
    }
    hostedEvents(first: 20) {
      totalCount
      nodes { title year kind network { slug name } }
    }
    attendedEvents(first: 20) {
      totalCount
      nodes { title year kind network { slug name } host { slug name } }
    }
    twinCities(first: 20) { nodes { slug name countryCode } }
    partners(first: 10) {
      totalCount
      nodes { sharedNetworkCount city { slug name countryCode } }
    }
  }
}`,
  variables: { slug },
});

export interface EventSummary {
  title: string;
  year: number | null;
  kind: string;
  network: { slug: string; name: string };
  host?: { slug: string; name: string } | null;
}

export interface PlacePanel {
  city: {
    slug: string;
    name: string;
    alternateNames: string[];
    kind: string;
    countryCode: string | null;
    latitude: number | null;
    longitude: number | null;
    memberships: {
      totalCount: number;
      nodes: {
        role: Role;
        since: number | null;
        representedBy: string | null;
        network: { slug: string; name: string; acronym: string | null };
      }[];
    };
    hostedEvents: { totalCount: number; nodes: EventSummary[] };
    attendedEvents: { totalCount: number; nodes: EventSummary[] };
    twinCities: { nodes: { slug: string; name: string; countryCode: string | null }[] };
    partners: {
      totalCount: number;
      nodes: {
        sharedNetworkCount: number;
        city: { slug: string; name: string; countryCode: string | null };
      }[];
    };
  } | null;
}

export const networkPanel = (slug: string, after: string | null): Operation => ({
  query: `query NetworkPanel($slug: String!, $after: String) {
  network(slug: $slug) {
    slug
    name
    acronym
    description
    topics
    alternateNames
    foundedYear
    foundedIn { slug name }
    reportedMemberCount
    reportedMemberCountQualifier
    memberships(first: 25, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes { role since representedBy city { slug name countryCode } }
    }
    events(first: 20) {
      totalCount
      nodes { title year kind host { slug name } }
    }
  }
}`,
  variables: { slug, after },
});

export interface NetworkPanel {
  network: {
    slug: string;
    name: string;
    acronym: string | null;
    description: string | null;
    topics: string[];
    alternateNames: string[];
    foundedYear: number | null;
    foundedIn: { slug: string; name: string } | null;
    reportedMemberCount: number | null;
    reportedMemberCountQualifier: "EXACT" | "ABOUT" | "MORE_THAN" | "ALMOST" | null;
    memberships: {
      totalCount: number;
      pageInfo: PageInfo;
      nodes: {
        role: Role;
        since: number | null;
        representedBy: string | null;
        city: { slug: string; name: string; countryCode: string | null };
      }[];
    };
    events: {
      totalCount: number;
      nodes: { title: string; year: number | null; kind: string; host: { slug: string; name: string } | null }[];
    };
  } | null;
}

export const search = (text: string): Operation => ({
  query: `query ExplorerSearch($text: String!) {
  search(query: $text, first: 10) {
    __typename
    ... on City { slug name countryCode }
    ... on Network { slug name acronym }
    ... on Event { title year network { slug name } }
  }
}`,
  variables: { text },
});

export type SearchHit =
  | { __typename: "City"; slug: string; name: string; countryCode: string | null }
  | { __typename: "Network"; slug: string; name: string; acronym: string | null }
  | { __typename: "Event"; title: string; year: number | null; network: { slug: string; name: string } };

export interface SearchResults {
  search: SearchHit[];
}

export const chain = (from: string, to: string): Operation => ({
  query: `query ExplorerChain($from: String!, $to: String!) {
  connection(from: $from, to: $to) {
    length
    places { slug name }
    steps { from { slug } network { slug name } to { slug } }
  }
}`,
  variables: { from, to },
});

export interface ChainResult {
  connection: {
    length: number;
    places: { slug: string; name: string }[];
    steps: { from: { slug: string }; network: { slug: string; name: string }; to: { slug: string } }[];
  } | null;
}

/** The members of some networks (a topic's), a page at a time. */
export const membersOf = (networks: string[], after: string | null): Operation => ({
  query: `query ExplorerTopicMembers($filter: CityFilter!, $after: String) {
  cities(first: 100, after: $after, filter: $filter) {
    pageInfo { hasNextPage endCursor }
    nodes { slug }
  }
}`,
  variables: { filter: { or: networks.map((slug) => ({ memberOf: slug })) }, after },
});

export interface MembersOf {
  cities: { pageInfo: PageInfo; nodes: { slug: string }[] };
}
