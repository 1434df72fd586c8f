import { randomBytes } from "node:crypto";

/**
 * The events the smoke test sends. Every one is a valid Tornado event of
 * type `tornado_nats_smoke` (so a live engine's rules can ignore it) and
 * carries the run id and a unique tag in its payload.
 */

export const SMOKE_EVENT_TYPE = "tornado_nats_smoke";

/** A new run id: it marks every event of one smoke run. */
export function newRunId(): string {
  return `smoke-${Date.now().toString(36)}-${randomBytes(4).toString("hex")}`;
}

/** A tag unique within the run; all tags have the same length, so none is part of another. */
export function newTag(runId: string): string {
  return `${runId}.${randomBytes(6).toString("hex")}`;
}

/** A Tornado event as a collector sends it: `{"type", "created_ms", "payload"}`. */
export function smokeEvent(tag: string, runId: string, fields: Record<string, string>): string {
  return JSON.stringify({
    type: SMOKE_EVENT_TYPE,
    created_ms: Date.now(),
    payload: { smoke_run: runId, smoke_tag: tag, ...fields },
  });
}
