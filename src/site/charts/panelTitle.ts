// A small-multiples panel's title drawn inside the SVG (above the frame, left-aligned), so panels
// do not add headings to the page outline as Plot's `title` option (an <h2>) would.
import * as Plot from "@observablehq/plot";

/** Needs marginTop of about 28 px on the plot. */
export const panelTitle = (text: string) => Plot.text([text], { frameAnchor: "top-left", dy: -20, fontSize: 12, fontWeight: "bold", fill: "currentColor" });
