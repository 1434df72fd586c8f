import type { Subscription } from "@nats-io/transport-node";

export interface InboxMessage {
  readonly subject: string;
  readonly body: string;
}

/**
 * What the engine identity's subscription received during one smoke run.
 * Against a live deployment the subscription also sees real traffic, so only
 * messages carrying this run's id are kept (bounded memory, no unrelated
 * event bodies held). Messages from one publisher arrive in order, so
 * "the sentinel arrived and the forbidden tag did not arrive before it" is
 * a proof that nothing leaked, not a guess based on a quiet moment.
 */
export class EngineInbox {
  readonly messages: InboxMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(subscription: Subscription, runId: string) {
    void (async () => {
      for await (const message of subscription) {
        const body = message.string();
        if (!body.includes(runId)) continue;
        this.messages.push({ subject: message.subject, body });
        const waiters = this.waiters;
        this.waiters = [];
        waiters.forEach((wake) => wake());
      }
    })();
  }

  /** The first message carrying `tag`, or undefined after `timeoutMs`. */
  async waitForTag(tag: string, timeoutMs: number): Promise<InboxMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((message) => message.body.includes(tag));
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) return undefined;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Messages carrying `tag` that arrived before the first message carrying `sentinelTag`. */
  arrivedBefore(sentinelTag: string, tag: string): InboxMessage[] {
    const index = this.messages.findIndex((message) => message.body.includes(sentinelTag));
    const before = index < 0 ? this.messages : this.messages.slice(0, index);
    return before.filter((message) => message.body.includes(tag));
  }
}
