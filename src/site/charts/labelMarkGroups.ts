// Plot names each mark's <g> with aria-label, but a <g> has no role and ARIA forbids a label on
// an element without one (axe: aria-prohibited-attr); giving those groups role="group" keeps the names.
export function labelMarkGroups(chart: Element): Element {
  for (const g of chart.querySelectorAll("g[aria-label]:not([role])")) g.setAttribute("role", "group");
  return chart;
}
