// The explorer: loads the places and networks through the public API, draws the map and the
// graph, and keeps the panel, search, filters and chain in step.

import { ApiError, request, type Operation } from "./api";
import { country, h, replace, throttled } from "./dom";
import { NetworkGraph, networkId, placeId, type GraphData, type GraphNode } from "./graph";
import { WorldMap } from "./map";
import { renderNetwork, renderPlace, type PanelActions } from "./panel";
import * as q from "./queries";
import type { Topology, GeometryCollection } from "topojson-specification";

/** A world small enough to draw as one graph: every network and all its memberships. */
const WHOLE_GRAPH_NETWORKS = 100;

interface Membership {
  network: string;
  place: string;
  role: q.Role;
}

interface Chain {
  places: string[];
  networks: string[];
  steps: { from: string; network: string; to: string }[];
}

const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

const status = byId<HTMLElement>("status");
const panel = byId<HTMLElement>("panel");
const searchInput = byId<HTMLInputElement>("search");
const searchResults = byId<HTMLElement>("search-results");
const topicFilter = byId<HTMLSelectElement>("topic");
const countryFilter = byId<HTMLSelectElement>("country");
const chainBar = byId<HTMLElement>("chain");
const regionList = byId<HTMLElement>("regions");
const graphHint = byId<HTMLElement>("graph-hint");

const state = {
  places: new Map<string, q.PlaceSummary>(),
  networks: new Map<string, q.NetworkSummary>(),
  /** Every membership, when the world is small enough to draw whole. */
  memberships: null as Membership[] | null,
  twins: [] as [string, string][],
  selected: null as { kind: "place" | "network"; slug: string } | null,
  neighbourhood: { nodes: [], links: [] } as GraphData,
  chainStart: null as string | null,
  chain: null as Chain | null,
  topic: "",
  country: "",
  topicMembers: null as Set<string> | null,
};

const map = new WorldMap(byId("map"), (slug) => void selectPlace(slug));
const graph = new NetworkGraph(byId("graph"), (node: GraphNode) =>
  void (node.kind === "place" ? selectPlace(node.slug) : selectNetwork(node.slug)),
);

function say(text: string): void {
  status.textContent = text;
}

function failed(what: string, error: unknown): void {
  if (error instanceof DOMException && error.name === "AbortError") return;
  const code = error instanceof ApiError && error.code ? ` (${error.code})` : "";
  say(`Could not load ${what}: ${error instanceof Error ? error.message : String(error)}${code}`);
}

// ---- Loading --------------------------------------------------------------------------------

async function loadCountries(): Promise<void> {
  const response = await fetch("/explore/vendor/countries-110m-2.0.2.json");
  map.setCountries((await response.json()) as Topology<{ countries: GeometryCollection }>);
}

async function loadNetworks(): Promise<number> {
  let after: string | null = null;
  let total = 0;
  do {
    const page: q.NetworksPage = await request<q.NetworksPage>(q.networksPage(after));
    total = page.networks.totalCount;
    for (const network of page.networks.nodes) state.networks.set(network.slug, network);
    after = page.networks.pageInfo.hasNextPage ? page.networks.pageInfo.endCursor : null;
  } while (after);
  fillTopics();
  return total;
}

/** Every place, a page at a time; the map is redrawn as pages arrive (at most a few times a
 * second: a large world has hundreds of pages). */
async function loadPlaces(): Promise<void> {
  const redraw = throttled(() => map.refresh(), 400);
  let after: string | null = null;
  let total = 0;
  do {
    const page: q.PlacesPage = await request<q.PlacesPage>(q.placesPage(after));
    for (const place of page.cities.nodes) state.places.set(place.slug, place);
    map.addPlaces(page.cities.nodes);
    total = page.cities.totalCount ?? total;
    say(`Loaded ${state.places.size} of ${total} places.`);
    redraw();
    after = page.cities.pageInfo.hasNextPage ? page.cities.pageInfo.endCursor : null;
  } while (after);
}

async function loadWholeGraph(): Promise<void> {
  const data = await request<q.WholeGraph>(q.wholeGraph());
  state.memberships = data.networks.nodes.flatMap((network) =>
    network.memberships.nodes.map((m) => ({ network: network.slug, place: m.city.slug, role: m.role })),
  );
  let after: string | null = null;
  do {
    const page: q.TwinsPage = await request<q.TwinsPage>(q.twinsPage(after));
    for (const city of page.cities.nodes) {
      for (const twin of city.twinCities.nodes) {
        if (city.slug < twin.slug) state.twins.push([city.slug, twin.slug]);
      }
    }
    after = page.cities.pageInfo.hasNextPage ? page.cities.pageInfo.endCursor : null;
  } while (after);
}

// ---- The graph ------------------------------------------------------------------------------

function placeNode(slug: string): GraphNode {
  const place = state.places.get(slug);
  return { id: placeId(slug), kind: "place", slug, label: place?.name ?? slug, weight: place?.networkCount ?? 0 };
}

function networkNode(slug: string): GraphNode {
  const network = state.networks.get(slug);
  return {
    id: networkId(slug),
    kind: "network",
    slug,
    label: network?.acronym ?? network?.name ?? slug,
    weight: network?.memberships.totalCount ?? 0,
  };
}

/** The whole small world, or the selection's neighbourhood, plus the chain. */
function graphData(): GraphData {
  const nodes = new Map<string, GraphNode>();
  const links = new Map<string, GraphData["links"][number]>();
  const addLink = (source: string, target: string, kind: GraphData["links"][number]["kind"]) =>
    links.set(`${source}|${target}`, { source, target, kind });
  if (state.memberships) {
    for (const slug of state.networks.keys()) nodes.set(networkId(slug), networkNode(slug));
    for (const m of state.memberships) {
      nodes.set(placeId(m.place), placeNode(m.place));
      addLink(networkId(m.network), placeId(m.place), m.role);
    }
    for (const [a, b] of state.twins) {
      nodes.set(placeId(a), placeNode(a));
      nodes.set(placeId(b), placeNode(b));
      addLink(placeId(a), placeId(b), "twin");
    }
  } else {
    for (const node of state.neighbourhood.nodes) nodes.set(node.id, { ...node });
    for (const link of state.neighbourhood.links) {
      addLink(link.source as string, link.target as string, link.kind);
    }
  }
  if (state.chain) {
    for (const step of state.chain.steps) {
      nodes.set(placeId(step.from), nodes.get(placeId(step.from)) ?? placeNode(step.from));
      nodes.set(placeId(step.to), nodes.get(placeId(step.to)) ?? placeNode(step.to));
      nodes.set(networkId(step.network), nodes.get(networkId(step.network)) ?? networkNode(step.network));
      for (const place of [step.from, step.to]) {
        if (!links.has(`${networkId(step.network)}|${placeId(place)}`)) {
          addLink(networkId(step.network), placeId(place), "MEMBER");
        }
      }
    }
  }
  return { nodes: [...nodes.values()], links: [...links.values()] };
}

function redrawGraph(): void {
  const data = graphData();
  graphHint.hidden = data.nodes.length > 0;
  graph.setData(data);
  highlight();
}

// ---- Highlights and filters -------------------------------------------------------------

/** What the filters leave at full strength (null: everything). */
function visible(): { places: Set<string>; nodes: Set<string> } | null {
  if (!state.topic && !state.country) return null;
  let places = new Set(state.places.keys());
  let networks = new Set(state.networks.keys());
  if (state.country) {
    places = new Set([...places].filter((slug) => state.places.get(slug)?.countryCode === state.country));
  }
  if (state.topic) {
    networks = new Set([...networks].filter((slug) => state.networks.get(slug)?.topics.includes(state.topic)));
    const members = state.memberships
      ? new Set(state.memberships.filter((m) => networks.has(m.network)).map((m) => m.place))
      : (state.topicMembers ?? new Set<string>());
    places = new Set([...places].filter((slug) => members.has(slug)));
  }
  if (state.country && state.memberships) {
    const withMembers = new Set(state.memberships.filter((m) => places.has(m.place)).map((m) => m.network));
    networks = new Set([...networks].filter((slug) => withMembers.has(slug)));
  }
  const nodes = new Set([...[...places].map(placeId), ...[...networks].map(networkId)]);
  return { places, nodes };
}

function highlight(): void {
  const shown = visible();
  const selected = state.selected
    ? state.selected.kind === "place"
      ? placeId(state.selected.slug)
      : networkId(state.selected.slug)
    : null;
  map.setHighlights({
    selected: state.selected?.kind === "place" ? state.selected.slug : null,
    chain: state.chain?.places ?? [],
    visible: shown?.places ?? null,
  });
  const chain = new Set<string>();
  const chainLinks = new Set<string>();
  for (const step of state.chain?.steps ?? []) {
    chain.add(placeId(step.from)).add(placeId(step.to)).add(networkId(step.network));
    chainLinks.add(`${networkId(step.network)}|${placeId(step.from)}`);
    chainLinks.add(`${networkId(step.network)}|${placeId(step.to)}`);
  }
  graph.setHighlights({ selected, chain, chainLinks, visible: shown?.nodes ?? null });
  for (const item of regionList.querySelectorAll<HTMLElement>("[data-region]")) {
    item.classList.toggle("dimmed", !!shown && !shown.places.has(item.dataset.region ?? ""));
  }
}

function fillTopics(): void {
  const topics = [...new Set([...state.networks.values()].flatMap((n) => n.topics))].sort();
  topicFilter.replaceChildren(
    h("option", { value: "" }, "All topics"),
    ...topics.map((topic) => h("option", { value: topic }, topic)),
  );
  topicFilter.value = state.topic;
}

function fillCountries(): void {
  const codes = [...new Set([...state.places.values()].map((p) => p.countryCode).filter((c) => c !== null))].sort();
  if (countryFilter.options.length === codes.length + 1) return;
  countryFilter.replaceChildren(
    h("option", { value: "" }, "All countries"),
    ...codes.map((code) => h("option", { value: code }, code)),
  );
  countryFilter.value = state.country;
}

/** Places without coordinates, listed beside the map (the first few hundred). */
const REGIONS_LISTED = 300;

function listRegions(): void {
  const regions = [...state.places.values()].filter((p) => p.latitude === null || p.longitude === null);
  byId<HTMLElement>("regions-count").textContent =
    regions.length > REGIONS_LISTED ? ` (${REGIONS_LISTED} of ${regions.length}; search finds the rest)` : "";
  regionList.replaceChildren(
    ...regions.slice(0, REGIONS_LISTED).map((place) =>
      h(
        "li",
        { "data-region": place.slug },
        h("button", { type: "button", class: "link", onclick: () => void selectPlace(place.slug) }, place.name),
        country(place.countryCode),
      ),
    ),
  );
  byId<HTMLElement>("regions-box").hidden = regions.length === 0;
}

async function filterByTopic(topic: string): Promise<void> {
  state.topic = topic;
  state.topicMembers = null;
  if (topic && !state.memberships) {
    const networks = [...state.networks.values()].filter((n) => n.topics.includes(topic)).map((n) => n.slug);
    const members = new Set<string>();
    let after: string | null = null;
    // The first thousand members of the topic's networks are marked; enough to see where they are.
    for (let page = 0; page < 10 && networks.length > 0; page += 1) {
      const data: q.MembersOf = await request<q.MembersOf>(q.membersOf(networks.slice(0, 50), after));
      for (const city of data.cities.nodes) members.add(city.slug);
      after = data.cities.pageInfo.hasNextPage ? data.cities.pageInfo.endCursor : null;
      if (!after) break;
    }
    state.topicMembers = members;
  }
  highlight();
}

// ---- Selection and the panel -------------------------------------------------------------

let panelRequest: AbortController | null = null;

/** Runs a panel's operation, abandoning the previous one. */
async function panelData<T>(operation: Operation): Promise<T | null> {
  panelRequest?.abort();
  const controller = new AbortController();
  panelRequest = controller;
  panel.setAttribute("aria-busy", "true");
  try {
    return await request<T>(operation, controller.signal);
  } catch (error) {
    failed("the panel", error);
    return null;
  } finally {
    if (panelRequest === controller) panel.removeAttribute("aria-busy");
  }
}

const actions: PanelActions = {
  chainFrom: (slug) => {
    state.chainStart = slug;
    showChainBar();
    void selectPlace(slug);
  },
  chainTo: (slug) => void showChain(state.chainStart ?? slug, slug),
  moreMembers: (slug, after) => void selectNetwork(slug, after),
  get chainStart() {
    return state.chainStart;
  },
  get chainStartName() {
    return state.chainStart ? (state.places.get(state.chainStart)?.name ?? null) : null;
  },
};

/** Writes the selection and the chain into the page's address (`#place=berlin&chain=dunkirk,berlin`):
 * a URL to share, without a history entry for each click. */
function writeAddress(): void {
  const parts: string[] = [];
  if (state.selected) parts.push(`${state.selected.kind}=${encodeURIComponent(state.selected.slug)}`);
  if (state.chain && state.chain.places.length > 1) {
    const [from, to] = [state.chain.places[0], state.chain.places[state.chain.places.length - 1]];
    parts.push(`chain=${encodeURIComponent(from)},${encodeURIComponent(to)}`);
  }
  history.replaceState(null, "", parts.length > 0 ? `#${parts.join("&")}` : window.location.pathname);
}

/** Opens what the address names: a link in a panel, a shared URL, going back. */
function route(): void {
  const address = new URLSearchParams(window.location.hash.slice(1));
  const chain = address.get("chain")?.split(",");
  const places = state.chain?.places ?? [];
  if (chain?.length === 2 && (places[0] !== chain[0] || places[places.length - 1] !== chain[1])) {
    state.chainStart = chain[0];
    void showChain(chain[0], chain[1]);
  }
  const place = address.get("place");
  const network = address.get("network");
  const selected = state.selected;
  if (place && !(selected?.kind === "place" && selected.slug === place)) {
    void selectPlace(place).then(() => map.focus([place]));
  } else if (network && !(selected?.kind === "network" && selected.slug === network)) {
    void selectNetwork(network);
  }
}

async function selectPlace(slug: string): Promise<void> {
  state.selected = { kind: "place", slug };
  writeAddress();
  highlight();
  const operation = q.placePanel(slug);
  const data = await panelData<q.PlacePanel>(operation);
  if (!data?.city || state.selected?.slug !== slug) return;
  renderPlace(panel, data.city, operation, actions);
  focusPanel();
  if (!state.memberships) {
    const nodes = [placeNode(slug), ...data.city.memberships.nodes.map((m) => networkNode(m.network.slug))];
    const links: GraphData["links"] = data.city.memberships.nodes.map((m) => ({
      source: networkId(m.network.slug),
      target: placeId(slug),
      kind: m.role,
    }));
    for (const twin of data.city.twinCities.nodes) {
      nodes.push(placeNode(twin.slug));
      links.push({ source: placeId(slug), target: placeId(twin.slug), kind: "twin" });
    }
    state.neighbourhood = { nodes, links };
    redrawGraph();
  }
}

let members: NonNullable<q.NetworkPanel["network"]>["memberships"]["nodes"] = [];

async function selectNetwork(slug: string, after: string | null = null): Promise<void> {
  state.selected = { kind: "network", slug };
  writeAddress();
  highlight();
  const operation = q.networkPanel(slug, after);
  const data = await panelData<q.NetworkPanel>(operation);
  if (!data?.network || state.selected?.slug !== slug) return;
  members = after ? [...members, ...data.network.memberships.nodes] : data.network.memberships.nodes;
  renderNetwork(panel, data.network, members, operation, actions);
  if (!after) focusPanel();
  if (!state.memberships) {
    state.neighbourhood = {
      nodes: [networkNode(slug), ...members.map((m) => placeNode(m.city.slug))],
      links: members.map((m) => ({ source: networkId(slug), target: placeId(m.city.slug), kind: m.role })),
    };
    redrawGraph();
  }
}

function focusPanel(): void {
  panel.querySelector<HTMLElement>("h2")?.focus({ preventScroll: true });
}

// ---- The chain --------------------------------------------------------------------------------

function showChainBar(): void {
  const from = state.chainStart ? state.places.get(state.chainStart)?.name ?? state.chainStart : null;
  const length = state.chain ? state.chain.steps.length : null;
  replace(chainBar,
    from
      ? h(
          "span",
          {},
          state.chain
            ? `Chain ${state.chain.places.map((slug) => state.places.get(slug)?.name ?? slug).join(" → ")} (${length} network${length === 1 ? "" : "s"})`
            : `Chain from ${from}: select a place and choose "chain to here".`,
          " ",
          h("button", { type: "button", class: "link", onclick: clearChain, "data-chain-clear": "" }, "Clear"),
        )
      : null,
  );
}

function clearChain(): void {
  state.chainStart = null;
  state.chain = null;
  writeAddress();
  showChainBar();
  redrawGraph();
}

async function showChain(from: string, to: string): Promise<void> {
  try {
    const data = await request<q.ChainResult>(q.chain(from, to));
    if (!data.connection) {
      state.chain = null;
      say(`No chain of at most 6 networks links ${from} and ${to}.`);
    } else {
      state.chain = {
        places: data.connection.places.map((p) => p.slug),
        networks: data.connection.steps.map((s) => s.network.slug),
        steps: data.connection.steps.map((s) => ({ from: s.from.slug, network: s.network.slug, to: s.to.slug })),
      };
      say(`Chain of ${data.connection.length} network${data.connection.length === 1 ? "" : "s"}.`);
      writeAddress();
      map.focus(state.chain.places);
    }
  } catch (error) {
    failed("the chain", error);
  }
  showChainBar();
  redrawGraph();
}

// ---- Search -----------------------------------------------------------------------------------

let searchRequest: AbortController | null = null;
let searchTimer = 0;

async function runSearch(text: string): Promise<void> {
  searchRequest?.abort();
  if (text.trim().length < 2) {
    searchResults.replaceChildren();
    return;
  }
  const controller = new AbortController();
  searchRequest = controller;
  try {
    const data = await request<q.SearchResults>(q.search(text), controller.signal);
    searchResults.replaceChildren(
      ...data.search.map((hit) => {
        if (hit.__typename === "City") {
          return h("li", {}, h("button", { type: "button", "data-result": `city:${hit.slug}`, onclick: () => void chooseResult(() => selectPlace(hit.slug)) }, `${hit.name}${country(hit.countryCode)}`));
        }
        if (hit.__typename === "Network") {
          return h("li", {}, h("button", { type: "button", "data-result": `network:${hit.slug}`, onclick: () => void chooseResult(() => selectNetwork(hit.slug)) }, `${hit.name}${hit.acronym ? ` (${hit.acronym})` : ""} — network`));
        }
        return h("li", {}, h("button", { type: "button", "data-result": `event:${hit.network.slug}`, onclick: () => void chooseResult(() => selectNetwork(hit.network.slug)) }, `${hit.title}${hit.year ? ` (${hit.year})` : ""} — event of ${hit.network.name}`));
      }),
    );
    if (data.search.length === 0) searchResults.replaceChildren(h("li", { class: "empty" }, "Nothing found."));
  } catch (error) {
    failed("the search", error);
  }
}

async function chooseResult(select: () => Promise<void>): Promise<void> {
  searchResults.replaceChildren();
  await select();
  if (state.selected?.kind === "place") map.focus([state.selected.slug]);
}

// ---- Start ------------------------------------------------------------------------------------

searchInput.addEventListener("input", () => {
  window.clearTimeout(searchTimer);
  searchTimer = window.setTimeout(() => void runSearch(searchInput.value), 200);
});
searchInput.addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    window.clearTimeout(searchTimer);
    void runSearch(searchInput.value);
  } else if (event.key === "Escape") {
    searchResults.replaceChildren();
  } else if (event.key === "ArrowDown") {
    event.preventDefault();
    searchResults.querySelector("button")?.focus();
  }
});
searchResults.addEventListener("keydown", (event) => {
  const item = (event.target as HTMLElement).closest("li");
  const next =
    event.key === "ArrowDown" ? item?.nextElementSibling : event.key === "ArrowUp" ? item?.previousElementSibling : null;
  if (next) {
    event.preventDefault();
    next.querySelector("button")?.focus();
  } else if (event.key === "Escape") {
    searchResults.replaceChildren();
    searchInput.focus();
  }
});
document.addEventListener("click", (event) => {
  if (!(event.target as Element).closest(".search")) searchResults.replaceChildren();
});
topicFilter.addEventListener("change", () => void filterByTopic(topicFilter.value).catch((e) => failed("the topic's members", e)));
window.addEventListener("hashchange", route);
countryFilter.addEventListener("change", () => {
  state.country = countryFilter.value;
  highlight();
});

async function start(): Promise<void> {
  const started = performance.now();
  say("Loading…");
  const countries = loadCountries().catch((error) => failed("the map", error));

  // The places stream in while the networks load: the map is drawn from the first page.
  const places = loadPlaces();
  const networkCount = await loadNetworks();
  if (networkCount <= WHOLE_GRAPH_NETWORKS) {
    await loadWholeGraph();
    redrawGraph();
  } else {
    graphHint.hidden = false;
  }
  await places;
  await countries;
  map.refresh();
  map.focus([...state.places.keys()]);
  fillCountries();
  listRegions();
  highlight();
  route();
  document.body.dataset.ready = "";
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  say(`${state.places.size} places and ${state.networks.size} networks, loaded in ${seconds} s.`);
}

start().catch((error) => failed("the data", error));
