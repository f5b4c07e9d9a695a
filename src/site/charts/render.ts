// Renders a chart to SVG markup at build time: Observable Plot draws into a JSDOM document and the
// serializer escapes every text node, so data-derived labels reach the page as text. Pages insert
// only this output as markup, never artifact strings.
import { JSDOM } from "jsdom";
import { labelMarkGroups } from "./labelMarkGroups.ts";

let shared: Document | null = null;

/** One JSDOM document for the whole build; charts are detached from it once serialized. */
export function chartDocument(): Document {
  shared ??= new JSDOM("<!DOCTYPE html><html><body></body></html>").window.document;
  return shared;
}

export function renderChart(draw: (document: Document) => Element): string {
  return labelMarkGroups(draw(chartDocument())).outerHTML;
}
