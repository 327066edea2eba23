// The panel: what the API says about the selected place or network, and a link that opens the
// very query it used in the playground.

import { playgroundLink, type Operation } from "./api";
import { country, h, replace } from "./dom";
import { roleLabel } from "./graph";
import type { EventSummary, NetworkPanel, PlacePanel, Role } from "./queries";

export interface PanelActions {
  chainFrom(slug: string): void;
  chainTo(slug: string): void;
  moreMembers(slug: string, after: string): void;
  /** The place a chain starts from (its slug), when one was picked. */
  chainStart: string | null;
  /** That place's name. */
  chainStartName: string | null;
}

const QUALIFIER: Record<string, string> = {
  EXACT: "",
  ABOUT: "about ",
  MORE_THAN: "more than ",
  ALMOST: "almost ",
};

const role = (value: Role) => roleLabel(value);

/** An action on the selection. */
const link = (label: string, onClick: () => void, attributes: Record<string, string> = {}) =>
  h("button", { type: "button", class: "link", onclick: () => onClick(), ...attributes }, label);

/** A link to another place's or network's panel (`#place=rostock`: a URL to share). */
const to = (kind: "place" | "network", slug: string, label: string, title?: string) =>
  h("a", { href: `#${kind}=${encodeURIComponent(slug)}`, title }, label);

function section(title: string, total: number | null, items: Node[], empty: string): HTMLElement {
  const heading = total !== null && total > items.length ? `${title} (${items.length} of ${total})` : title;
  return h(
    "section",
    {},
    h("h3", {}, heading),
    items.length > 0 ? h("ul", {}, items) : h("p", { class: "empty" }, empty),
  );
}

function playground(operation: Operation): HTMLElement {
  return h(
    "p",
    { class: "playground" },
    h(
      "a",
      { href: playgroundLink(operation), target: "_blank", rel: "noopener", "data-playground": true },
      "Open in playground",
    ),
    " — the query this panel ran",
  );
}

function eventItem(event: EventSummary, withHost: boolean): HTMLElement {
  return h(
    "li",
    {},
    `${event.title}${event.year ? ` (${event.year})` : ""} — `,
    to("network", event.network.slug, event.network.name),
    withHost && event.host ? [" in ", to("place", event.host!.slug, event.host.name)] : null,
  );
}

export function renderPlace(
  panel: HTMLElement,
  data: NonNullable<PlacePanel["city"]>,
  operation: Operation,
  actions: PanelActions,
): void {
  const memberships = data.memberships.nodes.map((m) =>
    h(
      "li",
      {},
      to("network", m.network.slug, m.network.name),
      m.network.acronym ? ` (${m.network.acronym})` : "",
      ` — ${role(m.role)}`,
      m.since ? `, since ${m.since}` : "",
      m.representedBy ? `, represented by ${m.representedBy}` : "",
    ),
  );
  const twins = data.twinCities.nodes.map((twin) =>
    h("li", {}, to("place", twin.slug, twin.name), country(twin.countryCode)),
  );
  const partners = data.partners.nodes.map((partner) =>
    h(
      "li",
      {},
      to("place", partner.city.slug, partner.city.name),
      `${country(partner.city.countryCode)}: ${partner.sharedNetworkCount} shared network${partner.sharedNetworkCount === 1 ? "" : "s"}`,
    ),
  );
  const chain = actions.chainStart && actions.chainStart !== data.slug
    ? link(`Chain from ${actions.chainStartName ?? actions.chainStart} to here`, () => actions.chainTo(data.slug), { "data-chain-to": "" })
    : null;
  replace(panel,
    h("h2", { tabindex: -1 }, data.name),
    h(
      "p",
      { class: "facts" },
      `${data.kind === "REGION" ? "Region" : "City"}${data.countryCode ? ` in ${data.countryCode}` : ""}`,
      data.latitude !== null && data.longitude !== null
        ? ` · ${data.latitude.toFixed(2)}, ${data.longitude.toFixed(2)}`
        : " · no coordinates",
    ),
    data.alternateNames.length > 0 ? h("p", { class: "facts" }, `Also: ${data.alternateNames.join(", ")}`) : null,
    h(
      "p",
      { class: "actions" },
      link("Start a chain here", () => actions.chainFrom(data.slug), { "data-chain-from": "" }),
      chain ? " " : null,
      chain,
    ),
    section("Networks", data.memberships.totalCount, memberships, "No memberships recorded."),
    section(
      "Events hosted",
      data.hostedEvents.totalCount,
      data.hostedEvents.nodes.map((e) => eventItem(e, false)),
      "None recorded.",
    ),
    section(
      "Events attended",
      data.attendedEvents.totalCount,
      data.attendedEvents.nodes.map((e) => eventItem(e, true)),
      "None recorded.",
    ),
    section("Twin cities", null, twins, "None recorded."),
    section("Partners (most shared networks)", data.partners.totalCount, partners, "None."),
    playground(operation),
  );
}

export function renderNetwork(
  panel: HTMLElement,
  data: NonNullable<NetworkPanel["network"]>,
  members: NonNullable<NetworkPanel["network"]>["memberships"]["nodes"],
  operation: Operation,
  actions: PanelActions,
): void {
  const founded = [
    data.foundedYear ? `founded ${data.foundedYear}` : null,
    data.foundedIn ? "in " : null,
  ].filter(Boolean);
  const count =
    data.reportedMemberCount !== null
      ? `${QUALIFIER[data.reportedMemberCountQualifier ?? "EXACT"] ?? ""}${data.reportedMemberCount} members reported`
      : null;
  const memberItems = members.map((m) =>
    h(
      "li",
      {},
      to("place", m.city.slug, m.city.name),
      country(m.city.countryCode),
      ` — ${role(m.role)}`,
      m.since ? `, since ${m.since}` : "",
      m.representedBy ? `, represented by ${m.representedBy}` : "",
    ),
  );
  const more = data.memberships.pageInfo.hasNextPage && data.memberships.pageInfo.endCursor
    ? link("More members", () => actions.moreMembers(data.slug, data.memberships.pageInfo.endCursor!), {
        "data-more": "",
      })
    : null;
  replace(panel,
    h("h2", { tabindex: -1 }, data.acronym ? `${data.name} (${data.acronym})` : data.name),
    data.description ? h("p", {}, data.description) : null,
    h(
      "p",
      { class: "facts" },
      founded.length > 0 ? founded.join(" ") : "founding not recorded",
      data.foundedIn ? to("place", data.foundedIn!.slug, data.foundedIn.name) : null,
      count ? ` · ${count}` : null,
      ` · ${data.memberships.totalCount} members recorded here`,
    ),
    data.topics.length > 0 ? h("p", { class: "topics" }, data.topics.map((t) => h("span", { class: "topic" }, t))) : null,
    data.alternateNames.length > 0 ? h("p", { class: "facts" }, `Also: ${data.alternateNames.join(", ")}`) : null,
    section("Members", data.memberships.totalCount, memberItems, "No members recorded."),
    more ? h("p", {}, more) : null,
    section(
      "Events",
      data.events.totalCount,
      data.events.nodes.map((e) =>
        h(
          "li",
          {},
          `${e.title}${e.year ? ` (${e.year})` : ""}`,
          e.host ? [" in ", to("place", e.host!.slug, e.host.name)] : null,
        ),
      ),
      "None recorded.",
    ),
    playground(operation),
  );
}
