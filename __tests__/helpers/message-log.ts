import type { Subscription } from "@nats-io/transport-node";

export interface LoggedMessage {
  readonly subject: string;
  readonly body: string;
}

/**
 * Records everything a subscription receives, so a test can wait for one
 * message and then look at what arrived before it. Messages from one
 * publisher arrive in order, so "the sentinel arrived and the denied message
 * did not arrive before it" is a proof, not a guess based on a quiet moment.
 */
export class MessageLog {
  readonly messages: LoggedMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(subscription: Subscription) {
    void (async () => {
      for await (const message of subscription) {
        this.messages.push({ subject: message.subject, body: message.string() });
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((wake) => wake());
      }
    })();
  }

  /** Resolves with the first message matching `match`, or rejects after `timeoutMs`. */
  async waitFor(match: (message: LoggedMessage) => boolean, timeoutMs = 5000): Promise<LoggedMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `no matching message within ${timeoutMs} ms; received: ${JSON.stringify(this.messages.slice(-5))}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Messages received before the first one matching `match`. */
  before(match: (message: LoggedMessage) => boolean): LoggedMessage[] {
    const index = this.messages.findIndex(match);
    return index < 0 ? [...this.messages] : this.messages.slice(0, index);
  }
}

/** A unique marker for one test's event. */
export function uniqueTag(label: string): string {
  return `${label}-${process.hrtime.bigint().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A Tornado event JSON as collectors send it. */
export function tornadoEvent(type: string, payload: Record<string, unknown>): string {
  return JSON.stringify({ type, created_ms: Date.now(), payload });
}
