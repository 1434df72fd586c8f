import type { Msg } from "@nats-io/transport-node";

export interface InboxMessage {
  readonly subject: string;
  readonly body: string;
}

/**
 * What one engine or reader identity received during a smoke run, over all
 * of its subscriptions, in the order its connection received it. Against a
 * live deployment the subscriptions also see real traffic, so only messages
 * carrying this run's id are kept (bounded memory, no unrelated event bodies
 * held).
 *
 * The server handles a PUB (delivering it to every matching subscriber)
 * before it answers the publisher's PING, so anything published and flushed
 * before a later event reaches a subscriber ahead of that event. So "the
 * later event arrived, and the forbidden one is not in the inbox" proves
 * that the forbidden one was not delivered; a quiet moment would prove
 * nothing.
 */
export class Inbox {
  readonly messages: InboxMessage[] = [];
  private waiters: (() => void)[] = [];

  constructor(private readonly runId: string) {}

  /** The subscription callback (ProbeClient.subscribe's `onMessage`). */
  readonly accept = (message: Msg): void => {
    const body = message.string();
    if (!body.includes(this.runId)) return;
    this.messages.push({ subject: message.subject, body });
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((wake) => wake());
  };

  /** The first message carrying `tag`, if one arrived. */
  find(tag: string): InboxMessage | undefined {
    return this.messages.find((message) => message.body.includes(tag));
  }

  /** The first message carrying `tag`, or undefined after `timeoutMs`. */
  async waitForTag(tag: string, timeoutMs: number): Promise<InboxMessage | undefined> {
    return this.waitForAny([tag], timeoutMs);
  }

  /** The first message carrying any of `tags`, or undefined after `timeoutMs` (at once without tags). */
  async waitForAny(tags: readonly string[], timeoutMs: number): Promise<InboxMessage | undefined> {
    if (tags.length === 0) return undefined;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find((message) => tags.some((tag) => message.body.includes(tag)));
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
}
