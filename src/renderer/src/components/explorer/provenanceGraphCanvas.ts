// The one cytoscape instance that draws every provenance graph, kept while the user is on the explorer's pages: each
// page moves its container in and replaces the elements, so no navigation pays for a new instance (its stylesheet,
// its canvases).

import cytoscape, { type Core, type ElementDefinition, type StylesheetJson } from 'cytoscape';
import { palette, type Palette } from '../lab/palette';
import { provenanceCanvasHandle } from './provenanceCanvasHandle';
import type { GraphLayout } from './provenanceGraph';

/** A small graph is not blown up to fill the box. */
const MAX_FIT_ZOOM = 1.2;
const FIT_PADDING = 20;

/** Edges run from the funding transaction to the spending one, so the arrow head shows the way value flows. */
function stylesheet(p: Palette): StylesheetJson {
  return [
    {
      selector: 'node',
      style: {
        'background-color': p.primary,
        label: 'data(label)',
        color: p.text,
        'font-size': 11,
        'font-family': 'ui-monospace, Menlo, Consolas, monospace',
        'text-valign': 'bottom',
        'text-margin-y': 4,
        width: 18,
        height: 18,
        shape: 'round-rectangle',
      },
    },
    { selector: 'node[kind = "root"]', style: { 'background-color': p.danger, width: 26, height: 26, 'border-width': 3, 'border-color': p.text } },
    { selector: 'node[kind = "coinbase"]', style: { 'background-color': p.warning, shape: 'diamond', width: 24, height: 24 } },
    { selector: 'node[kind = "frontier"]', style: { 'background-color': p.muted, 'border-width': 2, 'border-style': 'dashed', 'border-color': p.text } },
    {
      selector: 'edge',
      style: {
        width: 1.5,
        'curve-style': 'straight',
        'line-color': p.border,
        'target-arrow-shape': 'triangle',
        'target-arrow-color': p.muted,
        label: 'data(label)',
        'font-size': 10,
        color: p.muted,
        'text-background-color': p.bg,
        'text-background-opacity': 0.85,
        'text-background-padding': '1px',
      },
    },
    { selector: 'node:active', style: { 'overlay-opacity': 0.15 } },
  ] as StylesheetJson;
}

const theme = (): 'light' | 'dark' => (document.documentElement.classList.contains('dark') ? 'dark' : 'light');

interface Shared {
  cy: Core;
  container: HTMLDivElement;
  /** The theme the stylesheet was built for. */
  styled: 'light' | 'dark';
  /** The element the container is in, and where a click on a transaction goes. */
  host: HTMLElement | null;
  open: ((txid: string) => void) | null;
}
let shared: Shared | null = null;

function instance(): Shared {
  if (shared) return shared;
  const container = document.createElement('div');
  container.className = 'provenance-graph-canvas';
  // Created detached: cytoscape destroys its renderer when the container leaves the parent it had at creation; with
  // none, the container can move from page to page. A preset layout: the default (grid) needs a box with a size.
  const cy = cytoscape({
    container,
    style: stylesheet(palette()),
    layout: { name: 'preset' },
    minZoom: 0.1,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autoungrabify: true,
  });
  const s: Shared = { cy, container, styled: theme(), host: null, open: null };
  cy.on('tap', 'node', (e) => s.open?.(String(e.target.id())));
  cy.on('mouseover', 'node', () => container.classList.add('is-over-node'));
  cy.on('mouseout', 'node', () => container.classList.remove('is-over-node'));
  shared = s;
  return s;
}

/** Creates the instance while the app is idle, so the first provenance page does not. */
export function prepareProvenanceCanvas(): void {
  if (typeof requestIdleCallback === 'function') requestIdleCallback(() => void instance(), { timeout: 10_000 });
}

/**
 * Destroys the instance (the next provenance page, or prepareProvenanceCanvas, makes another). Cytoscape's renderer
 * draws in a requestAnimationFrame loop for as long as the instance lives, shown or not: about 2% of a core, and a
 * page that never idles. The app disposes of it when the user leaves the explorer's pages.
 */
export function disposeProvenanceCanvas(): void {
  if (!shared || shared.host) return;
  shared.cy.destroy();
  shared = null;
}
provenanceCanvasHandle.dispose = disposeProvenanceCanvas;

/** Restyles for the current theme (Element Plus's `dark` class on <html>) if it changed since the last stylesheet. */
export function restyleProvenanceCanvas(): void {
  if (!shared || shared.styled === theme()) return;
  shared.styled = theme();
  shared.cy.style(stylesheet(palette()));
}

/**
 * Moves the graph into `host` and draws `layout` there (positions as laid out, a preset layout), fitted to the box; a
 * click on a transaction calls `open`. `flow` says which way the model's edges carry value: 'in' (ancestry) toward
 * the root, 'out' (descendants) away from it.
 */
export function showProvenanceGraph(host: HTMLElement, layout: GraphLayout, flow: 'in' | 'out', open: (txid: string) => void): void {
  const s = instance();
  if (s.container.parentElement !== host) host.appendChild(s.container);
  s.host = host;
  s.open = open;
  restyleProvenanceCanvas();
  const elements: ElementDefinition[] = [
    ...layout.nodes.map((n) => ({ group: 'nodes' as const, data: { id: n.id, label: n.label, kind: n.kind }, position: { x: n.x, y: n.y } })),
    // The model's edges point away from the root; drawn from the funding transaction to the spending one.
    ...layout.edges.map((e) => {
      const [source, target] = flow === 'in' ? [e.target, e.source] : [e.source, e.target];
      return { group: 'edges' as const, data: { id: e.id, source, target, label: e.label } };
    }),
  ];
  s.cy.batch(() => {
    s.cy.elements().remove();
    s.cy.add(elements);
  });
  s.cy.layout({ name: 'preset', fit: false }).run();
  // The container may have moved, and its box changed, since the last draw.
  s.cy.resize();
  fitProvenanceGraph();
}

/** Shows the whole graph, at most slightly enlarged. */
export function fitProvenanceGraph(): void {
  if (!shared?.host) return;
  const cy = shared.cy;
  cy.fit(undefined, FIT_PADDING);
  if (cy.zoom() > MAX_FIT_ZOOM) {
    cy.zoom(MAX_FIT_ZOOM);
    cy.center();
  }
}

/**
 * Cytoscape caches where its container is on screen, and (created detached) hears no scroll of the page around it:
 * call when the pointer enters the box, so a click lands on the node under it.
 */
export function remeasureProvenanceCanvas(host: HTMLElement): void {
  if (shared?.host === host) shared.cy.resize();
}

/** Takes the graph out of `host` (the instance stays for the next page); nothing if another page has it already. */
export function releaseProvenanceGraph(host: HTMLElement): void {
  if (!shared || shared.host !== host) return;
  shared.container.remove();
  shared.container.classList.remove('is-over-node');
  shared.host = null;
  shared.open = null;
}
