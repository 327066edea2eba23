// A small typed client of the Citynet API. The documents and their result types come from
// GraphQL Code Generator (`npm run codegen`), so a field this code reads that the schema lacks
// is a compile error, not a runtime surprise.
//
// Requests go through Apollo Client with automatic persisted queries: the persisted-query link
// first sends only the SHA-256 hash of the operation, as a GET (cacheable, with an ETag); when
// the server answers PERSISTED_QUERY_NOT_FOUND, the link resends once with the full query (a
// POST) and the server stores it, so later requests of that operation, whatever the variables,
// are hash-only GETs.
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";

import { CityPartnersDocument, NetworkMembersDocument } from "./generated/graphql.js";
import type { CityPartnersQuery, NetworkMembersQuery } from "./generated/graphql.js";

type Network = NonNullable<NetworkMembersQuery["network"]>;
export type Member = Network["members"]["nodes"][number];
export type Partner = NonNullable<CityPartnersQuery["city"]>["partners"]["nodes"][number];

/** The most items the API returns per page. */
const PAGE_SIZE = 100;

/** The hex SHA-256 of `text` (Web Crypto: the same code runs in a browser and in Node). */
export async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export interface CitynetOptions {
  /** The fetch the HTTP link uses (default: the global one); tests pass one that records. */
  fetch?: typeof fetch;
}

export class Citynet {
  private readonly client: ApolloClient;

  /** `endpoint` is the server's GraphQL URL, e.g. http://127.0.0.1:8000/graphql. */
  constructor(endpoint: string, options: CitynetOptions = {}) {
    const persistedQueries = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });
    const http = new HttpLink({ uri: endpoint, ...(options.fetch ? { fetch: options.fetch } : {}) });
    this.client = new ApolloClient({
      link: persistedQueries.concat(http),
      cache: new InMemoryCache(),
    });
  }

  /**
   * Every member of the network with `slug`, following the cursor page by page; null when there
   * is no such network.
   */
  async networkMembers(
    slug: string,
    pageSize = PAGE_SIZE,
  ): Promise<{ name: string; totalCount: number; members: Member[] } | null> {
    const members: Member[] = [];
    let after: string | null = null;
    for (;;) {
      const page: NetworkMembersQuery = required(
        await this.client.query({
          query: NetworkMembersDocument,
          variables: { slug, first: pageSize, after },
        }),
      );
      if (!page.network) return null;
      const { members: connection } = page.network;
      members.push(...connection.nodes);
      if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) {
        return { name: page.network.name, totalCount: connection.totalCount, members };
      }
      after = connection.pageInfo.endCursor;
    }
  }

  /** The places sharing networks with the place `slug`, most shared first; null when unknown. */
  async cityPartners(
    slug: string,
    first = 20,
  ): Promise<{ name: string; totalCount: number; partners: Partner[] } | null> {
    const data = required(
      await this.client.query({ query: CityPartnersDocument, variables: { slug, first } }),
    );
    if (!data.city) return null;
    return {
      name: data.city.name,
      totalCount: data.city.partners.totalCount,
      partners: data.city.partners.nodes,
    };
  }
}

/** The data of a query result (errors already throw: the default error policy is "none"). */
function required<T>(result: { data?: T | undefined; error?: unknown }): T {
  if (result.error) throw result.error;
  if (result.data === undefined) throw new Error("the server answered without data");
  return result.data;
}
