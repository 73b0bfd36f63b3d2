/** Consul's window: a leaf is renewed at a random point between 60% and 90% of its lifetime. */
export const RENEW_MIN_FRACTION = 0.6;
export const RENEW_MAX_FRACTION = 0.9;

/**
 * When to renew a leaf valid over [validAfter, validBefore): at `validAfter + life * f` with
 * f = 0.6 + 0.3 * random, random in [0, 1) (out-of-range values are clamped). Whole milliseconds,
 * always before expiry.
 */
export function renewalTime(leaf: { readonly validAfter: number; readonly validBefore: number }, random: number): number {
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0;
  const life = Math.max(0, leaf.validBefore - leaf.validAfter);
  const at = leaf.validAfter + Math.floor(life * (RENEW_MIN_FRACTION + (RENEW_MAX_FRACTION - RENEW_MIN_FRACTION) * r));
  return Math.min(at, leaf.validBefore - 1);
}

/** Delay before re-issuing a leaf after a root rotation: random in [0, spreadMs), whole milliseconds. */
export function rotationDelay(spreadMs: number, random: number): number {
  const r = Number.isFinite(random) ? Math.min(Math.max(random, 0), 1) : 0;
  return Math.floor(Math.max(0, spreadMs) * r);
}
