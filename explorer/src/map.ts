// The map: country outlines from Natural Earth (world-atlas, vendored) drawn on a canvas, and a
// marker per place with coordinates as SVG on top, so that each marker is an element a keyboard
// and a screen reader can reach. Where more places would be drawn than stay usable (the large
// benchmark world), nearby places are drawn as one cluster marker that zooms in on click.

import { geoEqualEarth, geoPath, type GeoProjection } from "d3-geo";
import { select, type Selection } from "d3-selection";
import { zoom, zoomIdentity, type ZoomBehavior, type ZoomTransform } from "d3-zoom";
import { feature } from "topojson-client";
import type { FeatureCollection } from "geojson";
import type { Topology, GeometryCollection } from "topojson-specification";
import { isActivation } from "./dom";
import type { PlaceSummary } from "./queries";

/** Individual markers drawn at most; beyond this, places are clustered. */
const MARKER_LIMIT = 1500;
/** The side of a cluster cell in screen pixels. */
const CELL = 40;

export interface MapHighlights {
  selected: string | null;
  /** Places on the highlighted chain, in order. */
  chain: string[];
  /** When set, only these places are shown at full strength. */
  visible: Set<string> | null;
}

interface Marker {
  key: string;
  x: number;
  y: number;
  /** Set for a single place. */
  place?: PlaceSummary;
  /** The number of places of a cluster. */
  count: number;
}

export class WorldMap {
  private readonly canvas: HTMLCanvasElement;
  private readonly svg: Selection<SVGSVGElement, unknown, null, undefined>;
  private readonly layer: Selection<SVGGElement, unknown, null, undefined>;
  private readonly chainLine: Selection<SVGPathElement, unknown, null, undefined>;
  private readonly behaviour: ZoomBehavior<SVGSVGElement, unknown>;
  private projection: GeoProjection = geoEqualEarth();
  private countries: FeatureCollection | null = null;
  private places: PlaceSummary[] = [];
  private projected = new Map<string, [number, number]>();
  private transform: ZoomTransform = zoomIdentity;
  private highlights: MapHighlights = { selected: null, chain: [], visible: null };
  private width = 0;
  private height = 0;

  constructor(
    private readonly container: HTMLElement,
    private readonly onSelect: (slug: string) => void,
  ) {
    this.canvas = document.createElement("canvas");
    this.canvas.setAttribute("aria-hidden", "true");
    container.append(this.canvas);
    this.svg = select(container)
      .append("svg")
      .attr("role", "group")
      .attr("aria-label", "Places on the world map");
    this.chainLine = this.svg.append("path").attr("class", "chain-line");
    this.layer = this.svg.append("g").attr("class", "markers");
    this.behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([1, 200])
      .on("zoom", (event: { transform: ZoomTransform }) => {
        this.transform = event.transform;
        this.draw();
      });
    this.svg.call(this.behaviour);
    new ResizeObserver(() => this.resize()).observe(container);
    this.resize();
  }

  /** The country outlines (world-atlas' TopoJSON). */
  setCountries(topology: Topology<{ countries: GeometryCollection }>): void {
    this.countries = feature(topology, topology.objects.countries) as FeatureCollection;
    this.resize();
  }

  /** Adds places as they arrive (a page at a time); only the new ones are projected. */
  addPlaces(places: PlaceSummary[]): void {
    for (const place of places) {
      if (place.latitude === null || place.longitude === null) continue;
      this.places.push(place);
      const point = this.projection([place.longitude, place.latitude]);
      if (point) this.projected.set(place.slug, point);
    }
  }

  /** Draws what was added. */
  refresh(): void {
    this.draw();
  }

  setHighlights(highlights: MapHighlights): void {
    this.highlights = highlights;
    this.draw();
  }

  /** Zooms so that `slugs` are in view (a selection, a chain). */
  focus(slugs: string[]): void {
    const points = slugs.map((slug) => this.projected.get(slug)).filter((p) => p !== undefined);
    if (points.length === 0) return;
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [x, y] of points) {
      [x0, x1, y0, y1] = [Math.min(x0, x), Math.max(x1, x), Math.min(y0, y), Math.max(y1, y)];
    }
    const scale = Math.min(
      8,
      0.8 / Math.max((x1 - x0) / this.width, (y1 - y0) / this.height, 1 / 8),
    );
    const target = zoomIdentity
      .translate(this.width / 2, this.height / 2)
      .scale(scale)
      .translate(-(x0 + x1) / 2, -(y0 + y1) / 2);
    this.svg.call(this.behaviour.transform, target);
  }

  private resize(): void {
    this.width = this.container.clientWidth;
    this.height = this.container.clientHeight;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(this.width * ratio);
    this.canvas.height = Math.round(this.height * ratio);
    this.canvas.style.width = `${this.width}px`;
    this.canvas.style.height = `${this.height}px`;
    this.svg.attr("viewBox", `0 0 ${this.width} ${this.height}`);
    const sphere = { type: "Sphere" } as const;
    this.projection = geoEqualEarth().fitExtent(
      [
        [4, 4],
        [this.width - 4, this.height - 4],
      ],
      sphere,
    );
    this.project();
    this.draw();
  }

  private project(): void {
    this.projected.clear();
    for (const place of this.places) {
      const point = this.projection([place.longitude as number, place.latitude as number]);
      if (point) this.projected.set(place.slug, point);
    }
  }

  private draw(): void {
    this.drawCountries();
    this.drawMarkers();
    this.drawChain();
  }

  private drawCountries(): void {
    const context = this.canvas.getContext("2d");
    if (!context) return;
    const ratio = window.devicePixelRatio || 1;
    const { k, x, y } = this.transform;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, this.width, this.height);
    context.setTransform(ratio * k, 0, 0, ratio * k, ratio * x, ratio * y);
    const path = geoPath(this.projection, context);
    context.beginPath();
    path({ type: "Sphere" });
    context.fillStyle = "#eef3f8";
    context.fill();
    if (!this.countries) return;
    context.beginPath();
    path(this.countries);
    context.fillStyle = "#dfe5d8";
    context.fill();
    context.lineWidth = 0.6 / k;
    context.strokeStyle = "#9aa59a";
    context.stroke();
  }

  /** The markers in view: each place, or clusters when there would be too many. */
  private markers(): Marker[] {
    const inView: Marker[] = [];
    for (const place of this.places) {
      const point = this.projected.get(place.slug);
      if (!point) continue;
      const [x, y] = this.transform.apply(point);
      if (x < -20 || y < -20 || x > this.width + 20 || y > this.height + 20) continue;
      inView.push({ key: place.slug, x, y, place, count: 1 });
    }
    if (inView.length <= MARKER_LIMIT) return inView;
    const cells = new Map<string, Marker & { members: Marker[] }>();
    for (const marker of inView) {
      const key = `${Math.floor(marker.x / CELL)}:${Math.floor(marker.y / CELL)}`;
      const cell = cells.get(key);
      if (cell) {
        cell.members.push(marker);
      } else {
        cells.set(key, { key: `cluster-${key}`, x: 0, y: 0, count: 0, members: [marker] });
      }
    }
    return [...cells.values()].map((cell) => {
      if (cell.members.length === 1) return cell.members[0];
      const count = cell.members.length;
      const x = cell.members.reduce((sum, m) => sum + m.x, 0) / count;
      const y = cell.members.reduce((sum, m) => sum + m.y, 0) / count;
      return { key: cell.key, x, y, count };
    });
  }

  private drawMarkers(): void {
    const { selected, chain, visible } = this.highlights;
    const onChain = new Set(chain);
    this.layer
      .selectAll<SVGCircleElement, Marker>("circle")
      .data(this.markers(), (marker) => marker.key)
      .join((enter) =>
        enter
          .append("circle")
          .attr("tabindex", 0)
          .attr("role", "button")
          .on("click", (_event, marker) => this.activate(marker))
          .on("keydown", (event: KeyboardEvent, marker) => {
            if (isActivation(event)) this.activate(marker);
          }),
      )
      .attr("cx", (m) => m.x)
      .attr("cy", (m) => m.y)
      .attr("r", (m) =>
        m.place
          ? 3 + Math.min(9, 2 * Math.sqrt(m.place.networkCount))
          : Math.min(CELL / 2 - 2, 5 + 3 * Math.log10(m.count)),
      )
      .attr("data-place", (m) => m.place?.slug ?? null)
      .attr("data-cluster", (m) => (m.place ? null : m.count))
      .attr("data-chain", (m) => (m.place && onChain.has(m.place.slug) ? "" : null))
      .attr("aria-label", (m) =>
        m.place
          ? `${m.place.name}${m.place.countryCode ? `, ${m.place.countryCode}` : ""}: ${m.place.networkCount} network${m.place.networkCount === 1 ? "" : "s"}`
          : `${m.count} places; zoom in`,
      )
      .attr("aria-pressed", (m) => (m.place ? String(m.place.slug === selected) : null))
      .attr("class", (m) => {
        const classes = [m.place ? "place" : "cluster"];
        if (m.place?.slug === selected) classes.push("selected");
        if (m.place && onChain.has(m.place.slug)) classes.push("on-chain");
        if (m.place && visible && !visible.has(m.place.slug)) classes.push("dimmed");
        return classes.join(" ");
      });
  }

  private drawChain(): void {
    const points = this.highlights.chain
      .map((slug) => this.projected.get(slug))
      .filter((p) => p !== undefined)
      .map((p) => this.transform.apply(p));
    this.chainLine.attr(
      "d",
      points.length > 1 ? `M${points.map(([x, y]) => `${x},${y}`).join("L")}` : null,
    );
  }

  private activate(marker: Marker): void {
    if (marker.place) {
      this.onSelect(marker.place.slug);
      return;
    }
    this.svg.call(this.behaviour.scaleBy, 3, [marker.x, marker.y]);
  }
}
