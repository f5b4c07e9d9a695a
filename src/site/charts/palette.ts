// Colour-blind-safe colours: the Okabe-Ito categorical palette for series and seeds, and viridis
// (perceptually uniform, readable in greyscale) for heatmaps.

export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"] as const;

export const SEQUENTIAL_SCHEME = "viridis";

/** Text colour that stays readable on a viridis cell of value t in [0, 1] (dark cells get white text). */
export const labelColourOn = (t: number) => (t < 0.6 ? "white" : "black");
