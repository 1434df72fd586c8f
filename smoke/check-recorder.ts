import type { CheckResult, SmokeCheck } from "./smoke-report";

/**
 * Collects check results against a plan. Checks run in whatever order the
 * proofs need (a denied publish is only settled once a later sentinel
 * arrives) but are reported in plan order, so each denial sits beside its
 * allowed twin. Anything planned that never got a verdict is reported as
 * not run, never as passed.
 */
export class CheckRecorder {
  private readonly results = new Map<string, SmokeCheck>();

  constructor(private readonly plan: readonly (readonly [check: string, identity: string])[]) {}

  private static key(check: string, identity: string): string {
    return `${check}\u0000${identity}`;
  }

  record(check: string, identity: string, result: CheckResult, ms: number, detail: string): void {
    const key = CheckRecorder.key(check, identity);
    if (this.results.has(key)) throw new Error(`check recorded twice: ${check} [${identity}]`);
    this.results.set(key, { check, identity, result, ms: Math.round(ms), detail });
  }

  has(check: string, identity: string): boolean {
    return this.results.has(CheckRecorder.key(check, identity));
  }

  /** Marks every planned check of `identity` (or all, when omitted) that has no verdict yet as not run. */
  notRun(reason: string, identity?: string): void {
    for (const [check, planned] of this.plan) {
      if ((identity === undefined || planned === identity) && !this.has(check, planned)) {
        this.record(check, planned, "not_run", 0, reason);
      }
    }
  }

  /**
   * Results in plan order, then any unplanned result (such as a run that
   * stopped); planned checks without a verdict are reported as not run.
   */
  ordered(): SmokeCheck[] {
    const planned = new Set(this.plan.map(([check, identity]) => CheckRecorder.key(check, identity)));
    const unplanned = [...this.results.entries()].filter(([key]) => !planned.has(key)).map(([, result]) => result);
    return [
      ...this.plan.map(
        ([check, identity]) =>
          this.results.get(CheckRecorder.key(check, identity)) ?? {
            check,
            identity,
            result: "not_run" as const,
            ms: 0,
            detail: "the smoke run ended before this check",
          },
      ),
      ...unplanned,
    ];
  }
}

/** Milliseconds since `start` (from performance.now()). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Rejects after `ms` so no probe can hang a smoke run; the caller closes what was left open. */
export function bounded<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

/** An error's message, with its cause when that says more. */
export function reasonOf(error: unknown): string {
  const message = (error as Error)?.message || String(error);
  const cause = (error as { cause?: Error })?.cause?.message;
  return cause && !message.includes(cause) ? `${message}: ${cause}` : message;
}
