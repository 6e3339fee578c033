// What the router may do with the provenance graph's cytoscape instance without loading cytoscape itself: filled in by
// provenanceGraphCanvas.ts when the provenance page's code loads.

export const provenanceCanvasHandle: { dispose: (() => void) | null } = { dispose: null };
