/**
 * What a smoke run found, and how it is printed: a table for the operator and
 * JSON for CI. A check that could not run is reported as "not_run" with the
 * reason; it is never counted as passed.
 */

export type CheckResult = "passed" | "failed" | "not_run";

export interface SmokeCheck {
  /** What was checked, e.g. "deny publish to an arbitrary subject". */
  readonly check: string;
  /** The identity the check acted as (`collector/<name>`, `engine/<name>`), or "-" for none. */
  readonly identity: string;
  readonly result: CheckResult;
  /** Wall time of the check. */
  readonly ms: number;
  /** Why it failed or did not run, or what it proved; never key material. */
  readonly detail: string;
}

export interface SmokeTarget {
  /** host:port the probes dialed. */
  readonly server: string;
  /** The DNS name the server certificate was verified against. */
  readonly servername: string;
  /** Where the outputs came from. */
  readonly outputs: string;
}

export interface SmokeSummary {
  readonly passed: number;
  readonly failed: number;
  readonly notRun: number;
}

export interface SmokeReport {
  /** True only when no check failed. */
  readonly ok: boolean;
  readonly target: SmokeTarget;
  readonly summary: SmokeSummary;
  readonly checks: readonly SmokeCheck[];
}

export function buildReport(target: SmokeTarget, checks: readonly SmokeCheck[]): SmokeReport {
  const count = (result: CheckResult): number => checks.filter((check) => check.result === result).length;
  const summary = { passed: count("passed"), failed: count("failed"), notRun: count("not_run") };
  return { ok: summary.failed === 0, target, summary, checks };
}

/** The process exit code for a report: 0 only when nothing failed. */
export function exitCodeOf(report: SmokeReport): number {
  return report.ok ? 0 : 1;
}

export function summaryLine(summary: SmokeSummary): string {
  return `smoke: ${summary.passed} passed, ${summary.failed} failed, ${summary.notRun} not run`;
}

function resultLabel(result: CheckResult): string {
  return result === "not_run" ? "not run" : result;
}

/**
 * The operator's view: the target, a table (check, identity, result,
 * milliseconds), the reasons for every failed or unrun check, then the
 * one-line summary.
 */
export function formatReport(report: SmokeReport): string {
  const header = ["CHECK", "IDENTITY", "RESULT", "MS"];
  const rows = report.checks.map((check) => [check.check, check.identity, resultLabel(check.result), String(check.ms)]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join("  ");

  const lines = [
    `target: ${report.target.server} (certificate name ${report.target.servername}), outputs from ${report.target.outputs}`,
    "",
    line(header),
    ...rows.map(line),
  ];
  const explained = report.checks.filter((check) => check.result !== "passed");
  if (explained.length > 0) {
    lines.push("");
    for (const check of explained) {
      lines.push(`${resultLabel(check.result).toUpperCase()}: ${check.check} [${check.identity}]: ${check.detail}`);
    }
  }
  lines.push("", summaryLine(report.summary));
  return `${lines.join("\n")}\n`;
}

/** The machine-readable report for CI (`--json`). */
export function formatReportJson(report: SmokeReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
