// Every compare-stage metric's stable ID and a one-paragraph definition, kept beside the code for
// the site's methodology page (docs/metrics.md). IDs are a public contract: results JSON keys
// its estimates by them, so an ID never changes meaning; a changed definition gets a new ID.
// Notation: refits r = 0..R-1 of one cell (0 = anchor, the lowest seed), layer l, heads h, h'.
import { NORM_NAMES } from "../model/config.ts";

export const SITES = ["resid_pre", "resid_mid"] as const;
export type Site = (typeof SITES)[number];

/** Per-layer metrics: CellStats.estimates[l][id]. */
export const LAYER_METRICS = [
  "stability",
  "stability.allPairs",
  "stability.hungarian",
  "stability.hungarianAllPairs",
  "commonness",
  "commonness.allRefits",
  "null.untrained",
  "null.probeShuffled",
  "null.uniform",
  "excess.untrained",
  "excess.probeShuffled",
  "excess.uniform",
  "excess.maxNull",
  "excess.informativeNull",
  "stability.nullCorrected",
  "induction.max",
  ...SITES.flatMap((s) => [`cka.rbf.${s}`, `cka.rbf.${s}.withSelf`, `cka.linear.${s}`, `cka.linearDebiased.${s}`, `null.untrained.cka.rbf.${s}`] as const),
  "importance.pearson",
  "importance.kendall",
] as const;
export type LayerMetric = (typeof LAYER_METRICS)[number];

/** Whole-cell metrics: CellStats.cellEstimates[id]. */
export const CELL_METRICS = [
  "meanStability.allPairs",
  "meanExcess.informativeNull",
  "gap.allPairs",
  "midDip",
  "residualMargin",
  "importance.trend",
  "induction.formed",
  "induction.excess",
  "induction.excessGap",
  "induction.repeatExcess",
  "induction.repeatExcessGap",
  "meanCorrected",
  "midDip.corrected",
  "minDepth.corrected",
  "minDepth",
  "gap.corrected",
  "meanStability.anchor",
  "residualMargin.corrected",
  "residualMargin.layerMean",
  "importance.trendAllRefits",
  "universal.share",
  "universal.shareFunctional",
  "functional.stability",
  "functional.null",
  "functional.excess",
  "functional.auc.paper",
  "functional.auc.hungarian",
  "output.js",
  "output.headAgreement",
  ...NORM_NAMES.map((n) => `weightNorm.${n}` as const),
] as const;
export type CellMetric = (typeof CELL_METRICS)[number];

const PAPER = "As the paper (arXiv 2602.16740) computes it.";
const BOOT = "Its 95% interval is a percentile bootstrap over refits.";

const siteDefinitions = (s: Site): [string, string][] => [
  [
    `cka.rbf.${s}`,
    `Residual-stream stability at ${s} of layer l: CKA between two refits' ${s} activations over all tokens of all probes (rows stacked), with an RBF kernel whose sigma^2 is threshold^2 (1.0) times the median of all N^2 squared distances (diagonal zeros included), biased centering, symmetrized float64 Gram matrices; mean over ordered pairs of distinct refits. ${PAPER} ${BOOT}`,
  ],
  [`cka.rbf.${s}.withSelf`, `As cka.rbf.${s}, with the R self-pairs (each exactly 1) included in the mean over all R^2 ordered pairs, as the paper also reports it.`],
  [`cka.linear.${s}`, `As cka.rbf.${s} with the linear kernel X X^T: centered alignment of the token-by-token inner products.`],
  [
    `cka.linearDebiased.${s}`,
    `As cka.linear.${s} with the unbiased HSIC estimator (Song et al. 2012) in place of biased centering; near 0 for unrelated representations, where biased CKA is inflated when tokens are few relative to width.`,
  ],
  [`null.untrained.cka.rbf.${s}`, `cka.rbf.${s} computed on the untrained refits (same configs and seeds, no training steps): what random initialization alone scores.`],
];

/** id -> one-paragraph definition, for every ID in LAYER_METRICS and CELL_METRICS. */
export const DEFINITIONS: Readonly<Record<LayerMetric | CellMetric, string>> = Object.fromEntries([
  [
    "stability",
    `Layer head stability S(l): for each anchor head (l,h) and refit r != anchor, s = the max over heads h' of the same layer of cbar, the mean over probes of the cosine (eps 1e-8) between the two heads' lower-triangular attention patterns; S(l,h) = mean over r of s; S(l) = mean over h. ${PAPER} ${BOOT}`,
  ],
  ["stability.allPairs", `S(l) with every refit taking its turn as the anchor: the mean of the same-layer max over all ordered pairs of distinct refits, so the value does not hinge on one seed. ${BOOT}`],
  ["stability.hungarian", `As stability, but anchor heads are matched one-to-one to the refit's heads by the Hungarian algorithm on the same-layer cbar matrix (maximizing summed cbar), instead of the many-to-one max. ${BOOT}`],
  ["stability.hungarianAllPairs", "As stability.hungarian, averaged over all ordered pairs of distinct refits."],
  ["commonness", `Commonness C(l): on the anchor, the mean over heads h of the mean over h' (h itself included) of cbar(h, h'); distinctness = 1 - C. ${PAPER}`],
  ["commonness.allRefits", `commonness computed on every refit and averaged over refits. ${BOOT}`],
  ["null.untrained", "stability computed on the untrained refits (same configs and seeds, captured before any training step)."],
  [
    "null.probeShuffled",
    "stability with the anchor head on probe p compared against the refit's heads on a different probe of the same length (the next one of that length in probe order, cyclically): positional structure kept, content broken. Probes without a same-length partner are left out (the count is in notes).",
  ],
  ["null.uniform", "The anchor heads' cbar with the uniform causal pattern (row i attends 1/(i+1) to positions 0..i), averaged over heads: what a content-blind head scores."],
  ["excess.untrained", `stability minus null.untrained, per resample. ${BOOT}`],
  ["excess.probeShuffled", `stability minus null.probeShuffled, per resample. ${BOOT}`],
  ["excess.uniform", `stability minus null.uniform. ${BOOT}`],
  ["excess.maxNull", `stability minus the largest of the available nulls, per resample: the most conservative excess. ${BOOT}`],
  [
    "excess.informativeNull",
    `stability minus the larger of null.probeShuffled and null.uniform, per resample: the nulls a trained head can beat. The untrained twin is left out because attention at initialization is near uniform, so it scores near 1 against any diffuse head. Above 0 means the heads agree across refits beyond what their positional structure alone gives. ${BOOT}`,
  ],
  [
    "stability.nullCorrected",
    `Null-corrected head stability C(l) = (S(l) - N(l)) / (1 - N(l)), with S = stability and N the larger of null.probeShuffled and null.uniform on the same resample: 0 is what content-blind or position-only attention explains, 1 is identical heads, below 0 is below the nulls. ${BOOT}`,
  ],
  [
    "induction.max",
    `Per refit, the largest induction score among the heads of layer l, averaged over refits. A head's induction score is the mean, over every probe position i whose token occurred earlier in the probe (most recently at j), of its attention from i to j + 1. ${BOOT}`,
  ],
  ...SITES.flatMap(siteDefinitions),
  [
    "importance.pearson",
    `Pearson r over the heads of layer l between importance (dPPL: perplexity on the probe set with the head's z zeroed minus without, on the anchor refit) and head stability S(l,h). ${PAPER} ${BOOT}`,
  ],
  ["importance.kendall", "As importance.pearson with Kendall tau-b."],
  ["meanStability.allPairs", `Mean over layers of stability.allPairs. ${BOOT}`],
  [
    "meanExcess.informativeNull",
    `Mean over layers of excess.informativeNull. A cell clears the nulls when the whole interval lies above 0; otherwise its heads are not shown to be more stable than content-blind attention. ${BOOT}`,
  ],
  ["gap.allPairs", `max over layers minus min over layers of stability.allPairs. ${BOOT}`],
  [
    "midDip",
    `Needs L >= 3. With S = stability.allPairs and C = commonness.allRefits: dipS = min of S over interior layers (2..L-1) minus min(S(1), S(L)), dipC likewise for C, and midDip = max(dipS, dipC). It is negative exactly when both the least stable and the least common (most distinct) layer are interior. ${BOOT}`,
  ],
  ["residualMargin", `min over layers of (cka.rbf.resid_mid - stability.allPairs): positive when the residual stream after attention is more stable than the heads in every layer. ${BOOT}`],
  ["importance.trend", `OLS slope of importance.pearson over relative depth l/L (l 1-based), layers with undefined r skipped: negative when deeper layers tie importance to instability more. ${BOOT}`],
  [
    "induction.excess",
    `The known-answer control: per anchor head, head stability S(l,h) minus the larger of its own probe-shuffled and uniform nulls, averaged over the anchor's induction heads (induction score >= 0.4). Stability and nulls are taken over the other refits that formed an induction head (see induction.formed); a seed without one has no circuit to match. Defined only when the anchor has such heads. ${BOOT}`,
  ],
  [
    "induction.formed",
    `Share of refits (anchor included) with at least one induction head, a head whose induction score is at least 0.4: how reliably training forms the circuit. ${BOOT}`,
  ],
  ["induction.excessGap", `induction.excess minus the same per-head excess averaged over every other head: above 0 when induction heads are the most stable heads beyond the nulls. ${BOOT}`],
  [
    "induction.repeatExcess",
    `As induction.excess, with the head's stability and both nulls read only on the repeat rows: the query positions whose token occurred earlier in the probe, where an induction head's attention is fixed by the task (outside them it has no defined job, and seeds may differ there without disagreeing on the circuit). Per probe the cosine is taken over those rows' cells; the probe-shuffled null reads the partner probe at the same rows. Defined when the anchor has induction heads, even if every head is one. ${BOOT}`,
  ],
  [
    "induction.repeatExcessGap",
    `induction.repeatExcess minus the same repeat-row excess averaged over the anchor's other heads, on the same rows: above 0 when the induction heads, not just any head, agree across refits where the task fixes their attention. ${BOOT}`,
  ],
  [
    "universal.share",
    `Fraction of the anchor's heads that are universal: the head's per-refit excess over its own informative null, s(l,h,r) - max(probe-shuffled(l,h,r), uniform(l,h)), has mean minus t(0.975, k - 1) x sd / sqrt(k) above 0 over the k refits besides the anchor (Student's t, sd with ddof 1). ${BOOT}`,
  ],
  ["universal.shareFunctional", `As universal.share, a head counting only when its functional excess per refit (functional.stability's similarity for that head minus its random-head null) also clears 0 by the same t rule. Needs ablation fingerprints. ${BOOT}`],
  [
    "functional.stability",
    `Mean over the anchor's heads and the other refits of the Pearson r over probes between the anchor head's ablation fingerprint (per-probe mean NLL change when its z is zeroed) and its paper match's (the same-layer head with the largest cbar): whether matched heads do the same work. ${BOOT}`,
  ],
  ["functional.null", `As functional.stability with the match replaced by a head drawn at random from the same layer of the refit, in expectation (the mean over the layer's heads). ${BOOT}`],
  ["functional.excess", `functional.stability minus functional.null on the same resample. ${BOOT}`],
  [
    "functional.auc.paper",
    `Area under quality against coverage for the paper's matches: the drawn refits' matched pairs sorted by their cbar (best first), q(k) the mean functional similarity of the first k, the area the mean of q(k) over k. ${BOOT}`,
  ],
  ["functional.auc.hungarian", `As functional.auc.paper for the one-to-one (Hungarian, per layer) matches; the larger area ranks the matching rule higher by function. ${BOOT}`],
  [
    "output.js",
    `Jensen-Shannon divergence in bits between the anchor's and each other refit's next-token distributions, averaged over every predicting probe position and over the refits besides the anchor: whether seeds predict alike. Needs output.logprobs (vocabulary of at most 4,096 tokens). ${BOOT}`,
  ],
  ["output.headAgreement", `Pearson r over the refits besides the anchor between output.js of the (anchor, r) pair and its head stability (mean over heads of s(l,h,r)); negative when seeds whose heads differ more also predict differently. Needs at least 3 other refits. ${BOOT}`],
  ["meanCorrected", `Mean over layers of stability.nullCorrected. ${BOOT}`],
  ["midDip.corrected", `Needs L >= 3. min of stability.nullCorrected over interior layers minus the smaller of its values at the first and last layer: negative when the least stable layer beyond the nulls is interior (finding 1's headline). ${BOOT}`],
  ["minDepth.corrected", `Relative depth (l + 1) / L of the layer with the lowest stability.nullCorrected, for comparison with where the paper finds its minimum. ${BOOT}`],
  ["minDepth", `Relative depth (l + 1) / L of the layer with the lowest anchor-based stability (the paper's raw S). ${BOOT}`],
  ["gap.corrected", `max over layers minus min over layers of stability.nullCorrected (finding 2's headline). ${BOOT}`],
  ["meanStability.anchor", `Mean over layers of stability, the paper's anchor-based S, for comparison with the paper's effects. ${BOOT}`],
  [
    "residualMargin.corrected",
    `Mean over layers of K(l) minus mean over layers of stability.nullCorrected, with K(l) = (CKA(l) - F(l)) / (1 - F(l)), CKA = cka.rbf.resid_mid and F = null.untrained.cka.rbf.resid_mid: residual stream against heads, each above its own floor (finding 5's headline). Needs the untrained twins. ${BOOT}`,
  ],
  ["residualMargin.layerMean", `Mean over layers of cka.rbf.resid_mid minus mean over layers of stability: the paper's comparison of residual stream and heads on layer means, raw. ${BOOT}`],
  [
    "importance.trendAllRefits",
    `importance.trend computed for every refit from its own ablation (dPPL) against its own S(l,h), taken over every other refit, then averaged over refits; the bootstrap resamples the refits, so the interval sees other anchors than seed 0 (finding 3's headline). ${BOOT}`,
  ],
  ...NORM_NAMES.map((n) => [`weightNorm.${n}`, `Pearson r across layers (L >= 3) between stability.allPairs and the Frobenius norm of ${n} averaged over refits. ${BOOT}`]),
]) as Record<LayerMetric | CellMetric, string>;
