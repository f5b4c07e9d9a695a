// The x axis of every per-layer chart: layers 1..L as integer ticks, with half a layer of room at
// each end so a one-layer cell's marks sit mid-frame instead of on its edge.
export const layerAxis = (nLayers: number) => ({
  label: "layer",
  domain: [0.5, nLayers + 0.5],
  ticks: Array.from({ length: nLayers }, (_, l) => l + 1),
  tickFormat: "d",
});
