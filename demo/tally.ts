// Counting a window of the frontend's RPCs and checking the split against what a step expects.
import type { Outcome } from './frontend.js';

/** Expected share of each version, in percent (versions not named are expected at 0%). */
export type ExpectedSplit = Readonly<Record<string, number>>;

export class Tally {
  readonly byVersion = new Map<string, number>();
  readonly byInstance = new Map<string, number>();
  readonly failures: string[] = [];
  total = 0;

  add(o: Outcome): void {
    this.total++;
    if ('error' in o) {
      this.failures.push(o.error);
      return;
    }
    this.byVersion.set(o.version, (this.byVersion.get(o.version) ?? 0) + 1);
    this.byInstance.set(o.instance, (this.byInstance.get(o.instance) ?? 0) + 1);
  }

  /** Percent of all RPCs (failed ones included) that `version` answered. */
  share(version: string): number {
    return this.total === 0 ? 0 : (100 * (this.byVersion.get(version) ?? 0)) / this.total;
  }

  /** e.g. "v1 181 (90.5%)  v2 19 (9.5%)  failed 0" */
  describe(versions: readonly string[] = [...this.byVersion.keys()].sort()): string {
    const parts = versions.map((v) => `${v} ${this.byVersion.get(v) ?? 0} (${this.share(v).toFixed(1)}%)`);
    return [...parts, `failed ${this.failures.length}`].join('  ');
  }

  /** "backend-v1-a 95, backend-v1-b 105, ..." */
  describeInstances(): string {
    return [...this.byInstance].sort(([a], [b]) => (a < b ? -1 : 1)).map(([i, n]) => `${i} ${n}`).join(', ');
  }

  /**
   * What is wrong with this window given the expected split and a tolerance in percentage points (a share
   * expected at 0% or 100% must be exact). Empty = as expected.
   */
  problems(expected: ExpectedSplit, tolerancePts: number): string[] {
    const out: string[] = [];
    if (this.failures.length > 0) out.push(`${this.failures.length} RPCs failed (first: ${this.failures[0]})`);
    const versions = new Set([...Object.keys(expected), ...this.byVersion.keys()]);
    for (const v of [...versions].sort()) {
      const want = expected[v] ?? 0;
      const got = this.share(v);
      const tol = want === 0 || want === 100 ? 0 : tolerancePts;
      if (Math.abs(got - want) > tol) out.push(`${v} got ${got.toFixed(1)}%, expected ${want}%${tol ? ` ±${tol}` : ''}`);
    }
    return out;
  }
}

/** The next `n` outcomes of `source`, counted. */
export function countNext(source: { onOutcome(l: (o: Outcome) => void): () => void }, n: number): Promise<Tally> {
  return new Promise((resolve) => {
    const tally = new Tally();
    const off = source.onOutcome((o) => {
      if (tally.total >= n) return;
      tally.add(o);
      if (tally.total === n) {
        off();
        resolve(tally);
      }
    });
  });
}
