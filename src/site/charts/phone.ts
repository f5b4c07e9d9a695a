// The width a chart or a small-multiples panel is drawn at so that it fits a 390 px phone's content
// box (16 px of page margin each side) and reflows rather than shrinks or scrolls: panels of this
// width wrap side by side on a wide screen and stack on a phone.
export const PHONE_WIDTH = 350;

/** Fewest pixels between x ticks, so 12 px tick labels such as "262.1k" or "12-02.8" never touch. */
export const TICK_SPACING = 64;

/** Every k-th of `n` ticks, k as small as lets them sit TICK_SPACING apart on a `width`-wide axis. */
export const tickEvery = (n: number, width: number = PHONE_WIDTH) => Math.ceil(n / Math.max(1, Math.floor(width / TICK_SPACING)));
