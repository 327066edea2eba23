// The graph: networks and places as a bipartite graph (d3-force, laid out once, then drawn as
// SVG so that every node is an element with an accessible name), edges styled by role, twin
// links between places. It shows what it is given: the whole of a small world, or the
// neighbourhood of the selection in a large one.

import {
  forceCenter,
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
  type SimulationLinkDatum,
  type SimulationNodeDatum,
} from "d3-force";
import { select, type Selection } from "d3-selection";
import { zoom, type ZoomTransform } from "d3-zoom";
import { isActivation } from "./dom";
import type { Role } from "./queries";

export interface GraphNode extends SimulationNodeDatum {
  id: string;
  kind: "network" | "place";
  slug: string;
  label: string;
  /** Memberships (networks) or networks (places), for the node's size. */
  weight: number;
}

export interface GraphLink extends SimulationLinkDatum<GraphNode> {
  source: string | GraphNode;
  target: string | GraphNode;
  /** A membership's role, or `twin`. */
  kind: Role | "twin";
}

export interface GraphData {
  nodes: GraphNode[];
  links: GraphLink[];
}

export interface GraphHighlights {
  selected: string | null;
  /** Node ids on the highlighted chain (places and the networks crossed). */
  chain: Set<string>;
  /** Links on the chain, as `source|target` node ids. */
  chainLinks: Set<string>;
  visible: Set<string> | null;
}

export const placeId = (slug: string) => `place:${slug}`;
export const networkId = (slug: string) => `network:${slug}`;

const ROLE_LABEL: Record<GraphLink["kind"], string> = {
  MEMBER: "member",
  FOUNDING_MEMBER: "founding member",
  CO_FOUNDER: "co-founder",
  INITIATOR: "initiator",
  twin: "twin city",
};

export class NetworkGraph {
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly canvas: Selection<SVGGElement, unknown, null, undefined>;
  private data: GraphData = { nodes: [], links: [] };
  private highlights: GraphHighlights = {
    selected: null,
    chain: new Set(),
    chainLinks: new Set(),
    visible: null,
  };

  constructor(
    container: HTMLElement,
    private readonly onSelect: (node: GraphNode) => void,
  ) {
    this.svg = select(container)
      .append("svg")
      .attr("role", "group")
      .attr("aria-label", "Networks and their members as a graph");
    this.canvas = this.svg.append("g");
    this.canvas.append("g").attr("class", "links");
    this.canvas.append("g").attr("class", "nodes");
    this.svg.call(
      zoom<SVGSVGElement, unknown>()
        .scaleExtent([0.2, 8])
        .on("zoom", (event: { transform: ZoomTransform }) =>
          this.canvas.attr("transform", event.transform.toString()),
        ),
    );
  }

  /** Lays out `data` (a fixed number of steps, not an animation) and draws it. */
  setData(data: GraphData): void {
    const simulation = forceSimulation<GraphNode>(data.nodes)
      .force(
        "link",
        forceLink<GraphNode, GraphLink>(data.links)
          .id((node) => node.id)
          .distance((link) => (link.kind === "twin" ? 30 : 50)),
      )
      .force("charge", forceManyBody().strength(-60))
      .force("center", forceCenter(0, 0))
      .force("x", forceX(0).strength(0.05))
      .force("y", forceY(0).strength(0.05))
      .force("collide", forceCollide<GraphNode>((node) => radius(node) + 2))
      .stop();
    const steps = Math.ceil(Math.log(simulation.alphaMin()) / Math.log(1 - simulation.alphaDecay()));
    for (let i = 0; i < steps; i += 1) simulation.tick();
    this.data = data;
    this.fit();
    this.draw();
  }

  /** Frames the laid-out graph (labels run to the right of their nodes). */
  private fit(): void {
    const xs = this.data.nodes.map((node) => node.x ?? 0);
    const ys = this.data.nodes.map((node) => node.y ?? 0);
    if (xs.length === 0) return;
    const [x0, x1] = [Math.min(...xs) - 30, Math.max(...xs) + 110];
    const [y0, y1] = [Math.min(...ys) - 30, Math.max(...ys) + 30];
    this.svg.attr("viewBox", `${x0} ${y0} ${x1 - x0} ${y1 - y0}`);
  }

  setHighlights(highlights: GraphHighlights): void {
    this.highlights = highlights;
    this.draw();
  }

  has(id: string): boolean {
    return this.data.nodes.some((node) => node.id === id);
  }

  private draw(): void {
    const { selected, chain, chainLinks, visible } = this.highlights;
    const end = (value: string | GraphNode) => value as GraphNode;
    const linkKey = (link: GraphLink) => `${end(link.source).id}|${end(link.target).id}`;
    this.canvas
      .select<SVGGElement>("g.links")
      .selectAll<SVGLineElement, GraphLink>("line")
      .data(this.data.links, linkKey)
      .join("line")
      .attr("x1", (link) => end(link.source).x ?? 0)
      .attr("y1", (link) => end(link.source).y ?? 0)
      .attr("x2", (link) => end(link.target).x ?? 0)
      .attr("y2", (link) => end(link.target).y ?? 0)
      .attr("class", (link) => {
        const classes = [`link role-${link.kind.toLowerCase()}`];
        const key = linkKey(link);
        const reverse = `${end(link.target).id}|${end(link.source).id}`;
        if (chainLinks.has(key) || chainLinks.has(reverse)) classes.push("on-chain");
        return classes.join(" ");
      });
    const nodes = this.canvas
      .select<SVGGElement>("g.nodes")
      .selectAll<SVGGElement, GraphNode>("g.node")
      .data(this.data.nodes, (node) => node.id)
      .join((enter) => {
        const group = enter
          .append("g")
          .attr("tabindex", 0)
          .attr("role", "button")
          .on("click", (_event, node) => this.onSelect(node))
          .on("keydown", (event: KeyboardEvent, node) => {
            if (isActivation(event)) this.onSelect(node);
          });
        group.append((node) =>
          document.createElementNS(
            "http://www.w3.org/2000/svg",
            node.kind === "network" ? "rect" : "circle",
          ),
        );
        group.append("text").attr("dy", "0.35em");
        return group;
      });
    nodes
      .attr("transform", (node) => `translate(${node.x ?? 0},${node.y ?? 0})`)
      .attr("data-network", (node) => (node.kind === "network" ? node.slug : null))
      .attr("data-graph-place", (node) => (node.kind === "place" ? node.slug : null))
      .attr("data-chain", (node) => (chain.has(node.id) ? "" : null))
      .attr("aria-label", (node) =>
        node.kind === "network"
          ? `Network ${node.label}: ${node.weight} member${node.weight === 1 ? "" : "s"}`
          : `${node.label}: ${node.weight} network${node.weight === 1 ? "" : "s"}`,
      )
      .attr("aria-pressed", (node) => String(node.id === selected))
      .attr("class", (node) => {
        const classes = ["node", node.kind];
        if (node.id === selected) classes.push("selected");
        if (chain.has(node.id)) classes.push("on-chain");
        if (visible && !visible.has(node.id)) classes.push("dimmed");
        return classes.join(" ");
      });
    nodes
      .select<SVGRectElement>("rect")
      .attr("x", (node) => -radius(node))
      .attr("y", (node) => -radius(node))
      .attr("width", (node) => 2 * radius(node))
      .attr("height", (node) => 2 * radius(node))
      .attr("rx", 2);
    nodes.select<SVGCircleElement>("circle").attr("r", radius);
    nodes
      .select<SVGTextElement>("text")
      .attr("x", (node) => radius(node) + 3)
      .text((node) => node.label);
  }
}

function radius(node: GraphNode): number {
  return node.kind === "network"
    ? 5 + Math.min(10, Math.sqrt(node.weight))
    : 3 + Math.min(8, 1.5 * Math.sqrt(node.weight));
}

export const roleLabel = (kind: GraphLink["kind"]): string => ROLE_LABEL[kind];
