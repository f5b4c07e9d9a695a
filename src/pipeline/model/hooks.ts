// Activation hook names: TransformerLens's names are a public contract, so captured tensors
// carry them verbatim. One runtime list, one type, one naming function.

export const HOOKS = ["hook_pattern", "hook_z", "hook_resid_pre", "hook_resid_mid"] as const;
export type Hook = (typeof HOOKS)[number];

/** "blocks.3.attn.hook_pattern", "blocks.0.hook_resid_pre" */
export const hookName = (layer: number, hook: Hook): string =>
  hook.startsWith("hook_resid") ? `blocks.${layer}.${hook}` : `blocks.${layer}.attn.${hook}`;
