// A small typed client of the Citynet API. The documents and their result types come from
// GraphQL Code Generator (`npm run codegen`), so a field this code reads that the schema lacks
// is a compile error, not a runtime surprise.
import { GraphQLClient } from "graphql-request";

import { CityPartnersDocument, NetworkMembersDocument } from "./generated/graphql.js";
import type { CityPartnersQuery, NetworkMembersQuery } from "./generated/graphql.js";

type Network = NonNullable<NetworkMembersQuery["network"]>;
export type Member = Network["members"]["nodes"][number];
export type Partner = NonNullable<CityPartnersQuery["city"]>["partners"]["nodes"][number];

/** The most items the API returns per page. */
const PAGE_SIZE = 100;

export class Citynet {
  private readonly client: GraphQLClient;

  /** `endpoint` is the server's GraphQL URL, e.g. http://127.0.0.1:8000/graphql. */
  constructor(endpoint: string) {
    this.client = new GraphQLClient(endpoint);
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
      const page: NetworkMembersQuery = await this.client.request(NetworkMembersDocument, {
        slug,
        first: pageSize,
        after,
      });
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
    const data = await this.client.request(CityPartnersDocument, { slug, first });
    if (!data.city) return null;
    return {
      name: data.city.name,
      totalCount: data.city.partners.totalCount,
      partners: data.city.partners.nodes,
    };
  }
}
