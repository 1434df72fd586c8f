// @peculiar/x509 needs the Reflect polyfill loaded before it.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { ENGINE_ACCOUNT } from "../constructs/core/names";
import { COLLECTOR_SUBJECT, ENGINE_SUBJECT, subjectMatches } from "../constructs/core/subjects";
import { CHECK, NO_IDENTITY } from "./check-names";
import { bounded, CheckRecorder, reasonOf, since } from "./check-recorder";
import { isSharedEngine, observersOf, type DeployedIdentity, type DeployedTopology } from "./deployed-topology";
import { Inbox, type InboxMessage } from "./inbox";
import { createCertificateAuthority, issueCertificate, type LocalCertificateAuthority } from "./local-pki";
import { ProbeClient, tryConnect, type ClientMaterial, type PublishOutcome } from "./nats-probes";
import {
  checkNoCertificateRefused,
  checkPlaintextRefused,
  checkServerCertificate,
  firstLine,
  type ServerCheckOptions,
} from "./server-checks";
import { newTag, smokeEvent } from "./smoke-event";
import { collectorServers, serverLabel, type SmokeServer } from "./smoke-servers";
import type { SmokeCheck } from "./smoke-report";

/**
 * The NATS half of the smoke test: every allowed path of the deployed
 * topology, and beside each the denial that must hold. A denial passes only
 * on the server's own refusal (a failed handshake, an authorization error, a
 * permission error), and "nothing arrives" only when a later event reached
 * the same engine or reader without the forbidden message before it (see
 * Inbox). Every network step is bounded in time.
 *
 * The run: check every NATS server (certificate, plaintext and no client
 * certificate refused); connect every engine and reader to the primary
 * server and subscribe it to what the outputs allow it; let each try to
 * publish; then, collector by collector, on its server (a master node in
 * turn, or its satellite), publish the forbidden and the allowed event and
 * watch where each arrives; through every node of a cluster, one more
 * event; the satellites' identities must be refused as clients; last, one
 * more event per tenant, so that every engine and reader has a later event
 * of its own tenants to prove "nothing else arrived" by.
 */

export interface NatsCheckOptions {
  readonly topology: DeployedTopology;
  /** Every server of `topology.servers`, in that order, with where to dial it (smokeServers()). */
  readonly servers: readonly SmokeServer[];
  /** Marks every event of this run, so a live engine's other traffic is ignored. */
  readonly runId: string;
  /** How long an event may take to reach an engine or reader. */
  readonly eventTimeoutMs: number;
  /** How long a connection (TCP, TLS, NATS handshake) may take. */
  readonly connectTimeoutMs: number;
}

/** Tenants whose events `identity` may not read. */
function unreadTenants(topology: DeployedTopology, identity: DeployedIdentity): string[] {
  return topology.tenants.filter((tenant) => !identity.reads.includes(tenant));
}

function subscribeCheck(identity: DeployedIdentity): string {
  return isSharedEngine(identity) ? CHECK.engineSubscribe : CHECK.observerSubscribe;
}

function publishCheck(identity: DeployedIdentity): string {
  return identity.role === "engine" ? CHECK.enginePublish : CHECK.readerPublish;
}

/** The checks in report order: each identity's denials beside its allowed twin. */
export function natsCheckPlan(topology: DeployedTopology): [string, string][] {
  const plan: [string, string][] = [];
  const clustered = nodesOf(topology).length > 1;
  for (const server of topology.servers) {
    const label = serverLabel(topology, server);
    plan.push([CHECK.serverCertificate, label], [CHECK.plaintext, label], [CHECK.noClientCertificate, label]);
    if (clustered && server.kind === "node") plan.push([CHECK.nodeEvent, label]);
  }
  for (const observer of observersOf(topology)) {
    plan.push(
      [CHECK.connect, observer.id],
      [subscribeCheck(observer), observer.id],
      [CHECK.subscribeBeyond, observer.id],
    );
    if (observer.role === "reader") plan.push([CHECK.readerReceives, observer.id]);
    if (unreadTenants(topology, observer).length > 0) plan.push([CHECK.otherTenantsEvents, observer.id]);
    plan.push([publishCheck(observer), observer.id]);
  }
  for (const identity of topology.identities.filter((candidate) => candidate.role === "system")) {
    plan.push([CHECK.connect, identity.id]);
  }
  for (const collector of collectors(topology)) {
    plan.push(
      [CHECK.connect, collector.id],
      [CHECK.foreignCa, collector.id],
      [CHECK.collectorEvent, collector.id],
      [CHECK.otherTenantSubject, collector.id],
      [CHECK.arbitrarySubject, collector.id],
      [CHECK.collectorSubscribe, collector.id],
    );
    if (collector.satellite) plan.push([CHECK.siteCollectorAtMaster, collector.id]);
  }
  for (const satellite of topology.identities.filter((identity) => identity.role === "satellite")) {
    plan.push([CHECK.leafOnly, satellite.id]);
  }
  return plan;
}

function nodesOf(topology: DeployedTopology) {
  return topology.servers.filter((server) => server.kind === "node");
}

function collectors(topology: DeployedTopology): DeployedIdentity[] {
  return topology.identities.filter((identity) => identity.role === "collector");
}

function materialOf(topology: DeployedTopology, identity: DeployedIdentity): ClientMaterial {
  return { caPem: topology.caPem, certPem: identity.certificatePem, keyPem: identity.privateKey.reveal() };
}

/** A JSON string literal in an event body: tags never match inside a longer tag. */
function quoted(tag: string): string {
  return JSON.stringify(tag);
}

/** The subject `tenant`'s events carry in ENGINE. */
function engineSideSubject(tenant: string): string {
  return `${tenant}.${COLLECTOR_SUBJECT}`;
}

/**
 * What an engine or reader must not be able to subscribe to: everything
 * (`>`), every tenant's stream, and the stream of each tenant it does not
 * read; less what the outputs allow it (the shared engine's
 * `*.tornado.events` covers tenants it does not read: that nothing of them
 * reaches it is the "deny receiving other tenants' events" check). `>` is
 * always tried.
 */
function subjectsBeyond(
  topology: DeployedTopology,
  identity: DeployedIdentity,
): { tried: string[]; allowed: string[] } {
  const candidates = [">", ENGINE_SUBJECT, ...unreadTenants(topology, identity).map(engineSideSubject)];
  const allowedByOutputs = (subject: string): boolean =>
    subject !== ">" &&
    identity.subscribeAllow.some((pattern) => pattern === subject || subjectMatches(pattern, subject));
  return {
    tried: candidates.filter((subject) => !allowedByOutputs(subject)),
    allowed: candidates.filter(allowedByOutputs),
  };
}

/**
 * Where an engine or reader tries to publish: where events flow in its
 * account, so a forged event would reach that account's readers. In ENGINE,
 * each tenant's `<tenant>.tornado.events`; in a tenant's account, what its
 * collectors publish and the tenant's stream.
 */
function forgedSubjects(topology: DeployedTopology, identity: DeployedIdentity): string[] {
  if (identity.account === ENGINE_ACCOUNT) return topology.tenants.map(engineSideSubject);
  return [...new Set([COLLECTOR_SUBJECT, ...Object.values(identity.streams)])];
}

function list(items: readonly string[]): string {
  return items.join(", ");
}

/** An engine or reader during the run. */
interface Observer {
  readonly identity: DeployedIdentity;
  client?: ProbeClient;
  /** Set when at least one of its allowed subscriptions is active. */
  inbox?: Inbox;
  /** The first of the final events of its tenants that reached it: everything sent before it would be in the inbox. */
  witness?: InboxMessage;
  /** How long its witness took to arrive (or how long it was waited for). */
  witnessMs: number;
  /** Its attempts to publish, judged once the final events are in. */
  forged: { subject: string; tag: string; outcome: PublishOutcome }[];
  forgedMs: number;
}

/** An event a collector was allowed to publish, and where it arrived. */
interface CollectorEvent {
  readonly collector: DeployedIdentity;
  readonly tenant: string;
  readonly tag: string;
  readonly body: string;
  /** Engine or reader id → what reached it within the event timeout (only those reading the tenant, with a subscription). */
  readonly arrivals: Map<string, InboxMessage | undefined>;
  /** Engine or reader id → how long the event took to reach it (or was waited for). */
  readonly arrivalMs: Map<string, number>;
}

export async function runNatsChecks(options: NatsCheckOptions): Promise<SmokeCheck[]> {
  const recorder = new CheckRecorder(natsCheckPlan(options.topology));
  const run = new NatsCheckRun(options, recorder);
  try {
    await run.all();
  } catch (error) {
    // An unexpected stop must fail loudly, never look like success: it is reported as a failed
    // check of its own, and whatever had no verdict yet as not run.
    recorder.record(CHECK.completed, NO_IDENTITY, "failed", 0, `the smoke run stopped: ${reasonOf(error)}`);
    recorder.notRun(`not run: the smoke run stopped (${reasonOf(error)})`);
  } finally {
    await run.close();
  }
  return recorder.ordered();
}

class NatsCheckRun {
  private readonly topology: DeployedTopology;
  /** The primary server: engines, readers and the operator connect there. */
  private readonly primary: SmokeServer;
  /** The server each collector uses. */
  private readonly collectorServer: Map<string, SmokeServer>;
  private readonly clients: ProbeClient[] = [];
  private readonly stepTimeoutMs: number;
  private readonly observers: Observer[];
  /** Every event a collector was allowed to publish. */
  private readonly events: CollectorEvent[] = [];
  /** Collectors that published no allowed event (could not connect, or were denied), by tenant. */
  private readonly silentCollectors = new Map<string, string[]>();
  /** Per tenant, a collector whose publish was accepted, kept open to send the tenant's final event. */
  private readonly finalSenders = new Map<string, { client: ProbeClient; identity: DeployedIdentity }>();
  /** Tag → tenant of every final event sent. */
  private readonly finalEvents = new Map<string, string>();
  private foreignCa?: Promise<LocalCertificateAuthority>;

  constructor(
    private readonly options: NatsCheckOptions,
    private readonly recorder: CheckRecorder,
  ) {
    this.topology = options.topology;
    this.primary = options.servers[0];
    this.collectorServer = collectorServers(collectors(this.topology), options.servers);
    this.stepTimeoutMs = options.connectTimeoutMs + 1000;
    this.observers = observersOf(this.topology).map((identity) => ({
      identity,
      forged: [],
      forgedMs: 0,
      witnessMs: 0,
    }));
  }

  async all(): Promise<void> {
    const serverOptions = this.serverCheckOptions();
    // Each server's certificate is checked; the run goes on unless the primary's fails (everyone reads there).
    let primaryTrusted = false;
    for (const server of this.options.servers) {
      const trusted = await checkServerCertificate(server, serverOptions);
      if (server === this.primary) primaryTrusted = trusted;
    }
    if (!primaryTrusted) {
      const which = this.options.servers.length === 1 ? "" : ` (${this.primary.server.name}, the primary server)`;
      this.recorder.notRun(`not run: the "${CHECK.serverCertificate}" check failed${which}`);
      return;
    }
    for (const server of this.options.servers) {
      await checkPlaintextRefused(server, serverOptions);
      await checkNoCertificateRefused(server, serverOptions);
    }
    // Everyone who receives listens before anyone publishes, so every one of them witnesses every publish.
    for (const observer of this.observers) await this.listen(observer);
    for (const observer of this.observers) await this.forge(observer);
    for (const identity of this.topology.identities.filter((candidate) => candidate.role === "system")) {
      await this.connectOnly(identity);
    }
    for (const collector of collectors(this.topology)) await this.collector(collector);
    if (nodesOf(this.topology).length > 1) {
      for (const server of this.options.servers.filter((candidate) => candidate.server.kind === "node")) {
        await this.nodeEvent(server);
      }
    }
    for (const satellite of this.topology.identities.filter((identity) => identity.role === "satellite")) {
      await this.leafOnly(satellite);
    }
    await this.sendFinalEvents();
    for (const observer of this.observers) {
      this.judgeForged(observer);
      if (observer.identity.role === "reader") this.judgeReaderReceives(observer);
      if (unreadTenants(this.topology, observer.identity).length > 0) this.judgeOtherTenants(observer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close().catch(() => undefined)));
  }

  private tag(): string {
    return newTag(this.options.runId);
  }

  private serverCheckOptions(): ServerCheckOptions {
    // Any identity's certificate shows the server's; parseDeployedTopology guarantees an engine or reader.
    const identity = this.observers[0]?.identity ?? this.topology.identities[0];
    return {
      recorder: this.recorder,
      material: materialOf(this.topology, identity),
      connectTimeoutMs: this.options.connectTimeoutMs,
      clientName: `tornado-nats-smoke ${this.options.runId}`,
    };
  }

  /** The server `identity` uses: its collector's server, else the primary. */
  private serverOf(identity: DeployedIdentity): SmokeServer {
    return this.collectorServer.get(identity.id) ?? this.primary;
  }

  /** "to <name>" for connection details, when there is more than one server to tell apart. */
  private where(server: SmokeServer): string {
    return this.options.servers.length === 1 ? "" : ` to ${server.server.name}`;
  }

  /** Connects as `identity`; records the connect check. */
  private async connectAs(identity: DeployedIdentity): Promise<ProbeClient | undefined> {
    const start = performance.now();
    const server = this.serverOf(identity);
    try {
      const client = await bounded(
        this.stepTimeoutMs,
        `connecting as ${identity.id}`,
        ProbeClient.connect(server.endpoint, materialOf(this.topology, identity), {
          name: `tornado-nats-smoke ${this.options.runId} ${identity.id}`,
          timeoutMs: this.options.connectTimeoutMs,
        }),
      );
      this.clients.push(client);
      this.recorder.record(
        CHECK.connect,
        identity.id,
        "passed",
        since(start),
        `connected${this.where(server)} with the certificate for ${identity.natsUser}`,
      );
      return client;
    } catch (error) {
      this.recorder.record(
        CHECK.connect,
        identity.id,
        "failed",
        since(start),
        `connecting${this.where(server)} with the certificate for ${identity.natsUser} failed: ${firstLine(reasonOf(error))}`,
      );
      return undefined;
    }
  }

  private async connectOnly(identity: DeployedIdentity): Promise<void> {
    const client = await this.connectAs(identity);
    await client?.close();
  }

  /** Connects an engine or reader and subscribes it to what the outputs allow it, then beyond. */
  private async listen(observer: Observer): Promise<void> {
    const { identity } = observer;
    const client = await this.connectAs(identity);
    if (!client) {
      this.recorder.notRun(`not run: could not connect as ${identity.id}`, identity.id);
      return;
    }
    observer.client = client;
    const start = performance.now();
    const inbox = new Inbox(this.options.runId);
    const active: string[] = [];
    const denied: string[] = [];
    for (const subject of identity.subscribeAllow) {
      const { outcome } = await bounded(
        this.stepTimeoutMs,
        `subscribing as ${identity.id}`,
        client.subscribe(subject, inbox.accept),
      );
      (outcome === "active" ? active : denied).push(subject);
    }
    if (active.length > 0) observer.inbox = inbox;
    const who = `the ${identity.role}`;
    this.recorder.record(
      subscribeCheck(identity),
      identity.id,
      denied.length === 0 ? "passed" : "failed",
      since(start),
      denied.length === 0
        ? `subscribed to ${list(active)}`
        : active.length === 0
          ? `permission error subscribing to ${list(denied)}: ${who} could receive no event`
          : `permission error subscribing to ${list(denied)} (subscribed to ${list(active)}): ${who} could receive nothing there`,
    );
    await this.subscribeBeyond(identity, client);
  }

  private async subscribeBeyond(identity: DeployedIdentity, client: ProbeClient): Promise<void> {
    const start = performance.now();
    const { tried, allowed } = subjectsBeyond(this.topology, identity);
    const accepted: string[] = [];
    for (const subject of tried) {
      const { outcome, subscription } = await bounded(
        this.stepTimeoutMs,
        `subscribing as ${identity.id}`,
        client.subscribe(subject),
      );
      if (outcome === "active") {
        accepted.push(subject);
        subscription.unsubscribe();
      }
    }
    const notTried = allowed.length === 0 ? "" : `; not tried: ${list(allowed)} (within what it may subscribe to)`;
    this.recorder.record(
      CHECK.subscribeBeyond,
      identity.id,
      accepted.length === 0 ? "passed" : "failed",
      since(start),
      accepted.length === 0
        ? `permission errors for ${list(tried)}${notTried}`
        : `subscribed to ${list(accepted)} without a permission error (it may subscribe to ${list(identity.subscribeAllow)} only)`,
    );
  }

  /** An engine or reader tries to publish where events flow in its account; judged in judgeForged. */
  private async forge(observer: Observer): Promise<void> {
    const { identity, client } = observer;
    if (!client) return;
    const start = performance.now();
    for (const subject of forgedSubjects(this.topology, identity)) {
      const tag = this.tag();
      const outcome = await bounded(
        this.stepTimeoutMs,
        `publishing as ${identity.id}`,
        client.publish(subject, smokeEvent(tag, this.options.runId, { identity: identity.id })),
      );
      observer.forged.push({ subject, tag: quoted(tag), outcome });
    }
    observer.forgedMs = since(start);
  }

  private async collector(collector: DeployedIdentity): Promise<void> {
    const tenant = collector.tenant as string;
    const client = await this.connectAs(collector);
    await this.foreignCertificate(collector);
    if (collector.satellite) await this.siteCollectorAtMaster(collector);
    if (!client) {
      this.recorder.notRun(`not run: could not connect as ${collector.id}`, collector.id);
      this.silentCollectors.set(tenant, [...(this.silentCollectors.get(tenant) ?? []), collector.id]);
      return;
    }
    const otherTenant = this.topology.tenants.find((candidate) => candidate !== tenant);
    // With a single tenant, the prefixed form of its own stream stands in: collectors may not publish it either.
    const otherSubject = `${otherTenant ?? tenant}.${COLLECTOR_SUBJECT}`;
    const arbitrarySubject = `tornado_nats_smoke.${this.options.runId}.anything`;

    const forbidden = [];
    for (const [check, subject] of [
      [CHECK.otherTenantSubject, otherSubject],
      [CHECK.arbitrarySubject, arbitrarySubject],
    ] as const) {
      const tag = this.tag();
      const start = performance.now();
      const outcome = await bounded(
        this.stepTimeoutMs,
        `publishing as ${collector.id}`,
        client.publish(subject, smokeEvent(tag, this.options.runId, { identity: collector.id, check })),
      );
      forbidden.push({ check, subject, tag, outcome, ms: since(start) });
    }

    // The allowed publish, which is also the later event for the two forbidden ones before it.
    const event = await this.collectorEvent(collector, client);
    if (!event) this.silentCollectors.set(tenant, [...(this.silentCollectors.get(tenant) ?? []), collector.id]);
    const witnesses = event
      ? [...event.arrivals.entries()].filter(([, arrived]) => arrived !== undefined).map(([id]) => id)
      : [];
    for (const attempt of forbidden) {
      if (attempt.outcome === "accepted") {
        this.recorder.record(
          attempt.check,
          collector.id,
          "failed",
          attempt.ms,
          `published to ${attempt.subject} without a permission error (collectors may publish ${COLLECTOR_SUBJECT} only)`,
        );
      } else if (witnesses.length === 0) {
        this.recorder.record(
          attempt.check,
          collector.id,
          "not_run",
          attempt.ms,
          `the permission error for ${attempt.subject} came, but no engine or reader received the collector's later ` +
            `event, so "nothing arrives" is unproven`,
        );
      } else {
        const leaked = this.arrivalsOf(quoted(attempt.tag));
        this.recorder.record(
          attempt.check,
          collector.id,
          leaked.length === 0 ? "passed" : "failed",
          attempt.ms,
          leaked.length === 0
            ? `permission error for ${attempt.subject}; the later event reached ${list(witnesses)} without it`
            : `reached ${list(leaked)} despite the permission error`,
        );
      }
    }

    await this.collectorSubscribe(collector, client);
    // Kept open to send the tenant's final event, the later event every engine and reader of it is judged by.
    if (event && !this.finalSenders.has(tenant)) this.finalSenders.set(tenant, { client, identity: collector });
    else await client.close();
  }

  /** "<identity> as <subject>" for every engine or reader that received a message carrying `tag`. */
  private arrivalsOf(tag: string): string[] {
    return this.observers.flatMap((observer) => {
      const arrived = observer.inbox?.find(tag);
      return arrived ? [`${observer.identity.id} as ${arrived.subject}`] : [];
    });
  }

  private async foreignCertificate(collector: DeployedIdentity): Promise<void> {
    const start = performance.now();
    try {
      const genuine = new x509.X509Certificate(collector.certificatePem);
      this.foreignCa ??= this.createForeignCa();
      const forged = await issueCertificate(await this.foreignCa, { subject: genuine.subjectName, usage: "client" });
      const outcome = await tryConnect(
        this.serverOf(collector).endpoint,
        { caPem: this.topology.caPem, certPem: forged.certPem, keyPem: forged.keyPem },
        { name: `tornado-nats-smoke ${this.options.runId} forged`, timeoutMs: this.options.connectTimeoutMs },
      );
      this.recorder.record(
        CHECK.foreignCa,
        collector.id,
        outcome.accepted ? "failed" : "passed",
        since(start),
        outcome.accepted
          ? `a certificate from a throwaway CA with the exact subject of ${collector.id} (${collector.natsUser}) was let in`
          : `refused a throwaway CA's certificate with the subject ${collector.natsUser}: ${firstLine(outcome.reason)}`,
      );
    } catch (error) {
      this.recorder.record(CHECK.foreignCa, collector.id, "failed", since(start), `could not try: ${reasonOf(error)}`);
    }
  }

  /**
   * Tries `identity`'s certificate as a client of `target`, where it must be
   * refused: passed only on the server's authorization error (not on any
   * failure to connect, which proves nothing), failed when it got in.
   */
  private async refusedAsClient(
    identity: DeployedIdentity,
    targets: readonly SmokeServer[],
  ): Promise<{ accepted: string[]; refused: string[]; unreachable: string[]; reason?: string }> {
    const result = { accepted: [] as string[], refused: [] as string[], unreachable: [] as string[], reason: "" };
    for (const target of targets) {
      const outcome = await tryConnect(target.endpoint, materialOf(this.topology, identity), {
        name: `tornado-nats-smoke ${this.options.runId} ${identity.id}`,
        timeoutMs: this.options.connectTimeoutMs,
      });
      const name = target.server.name;
      if (outcome.accepted) result.accepted.push(name);
      else if (/authorization/i.test(outcome.reason)) {
        result.refused.push(name);
        result.reason ||= firstLine(outcome.reason);
      } else result.unreachable.push(`${name} (${firstLine(outcome.reason)})`);
    }
    return result;
  }

  /** A satellite's collector is a user of its satellite only: the primary master node must refuse it. */
  private async siteCollectorAtMaster(collector: DeployedIdentity): Promise<void> {
    const start = performance.now();
    const { accepted, unreachable, reason } = await this.refusedAsClient(collector, [this.primary]);
    const name = this.primary.server.name;
    const [result, detail]: ["passed" | "failed" | "not_run", string] =
      accepted.length > 0
        ? ["failed", `${name} let it in: a collector of satellite ${collector.satellite} must be a user there only`]
        : unreachable.length > 0
          ? ["not_run", `could not try: ${list(unreachable)}`]
          : ["passed", `${name} refused it (a user of satellite ${collector.satellite} only): ${reason}`];
    this.recorder.record(CHECK.siteCollectorAtMaster, collector.id, result, since(start), detail);
  }

  /** A satellite's identity carries its leaf only: every master node must refuse it as a client. */
  private async leafOnly(satellite: DeployedIdentity): Promise<void> {
    const start = performance.now();
    const nodes = this.options.servers.filter((candidate) => candidate.server.kind === "node");
    const { accepted, refused, unreachable, reason } = await this.refusedAsClient(satellite, nodes);
    const [result, detail]: ["passed" | "failed" | "not_run", string] =
      accepted.length > 0
        ? [
            "failed",
            `${list(accepted)} let it in as a client; it must connect only as a leaf node ` +
              '(allowed_connection_types ["LEAFNODE"])',
          ]
        : unreachable.length > 0
          ? ["not_run", `could not try on ${list(unreachable)}`]
          : ["passed", `refused as a client by ${list(refused)} (leaf node only): ${reason}`];
    this.recorder.record(CHECK.leafOnly, satellite.id, result, since(start), detail);
  }

  /**
   * One event through each node of a cluster, from a collector of the master
   * site (one that uses this node if any), to the engines and readers of its
   * tenant on the primary node: the routes carry it there.
   */
  private async nodeEvent(node: SmokeServer): Promise<void> {
    const start = performance.now();
    const record = (result: "passed" | "failed" | "not_run", detail: string): void =>
      this.recorder.record(CHECK.nodeEvent, node.label, result, since(start), detail);
    const readable = (collector: DeployedIdentity): boolean =>
      this.observers.some((observer) => observer.inbox && observer.identity.reads.includes(collector.tenant as string));
    const candidates = collectors(this.topology).filter((collector) => !collector.satellite && readable(collector));
    const sender = candidates.find((collector) => this.collectorServer.get(collector.id) === node) ?? candidates[0];
    if (!sender) {
      record("not_run", "no collector of the master site whose tenant an engine or reader with a subscription reads");
      return;
    }
    const nodeName = node.server.name;
    let client: ProbeClient;
    try {
      client = await bounded(
        this.stepTimeoutMs,
        `connecting to ${nodeName} as ${sender.id}`,
        ProbeClient.connect(node.endpoint, materialOf(this.topology, sender), {
          name: `tornado-nats-smoke ${this.options.runId} ${sender.id}`,
          timeoutMs: this.options.connectTimeoutMs,
        }),
      );
      this.clients.push(client);
    } catch (error) {
      record("failed", `connecting to ${nodeName} as ${sender.id} failed: ${firstLine(reasonOf(error))}`);
      return;
    }
    const tenant = sender.tenant as string;
    const tag = this.tag();
    const body = smokeEvent(tag, this.options.runId, { identity: sender.id, tenant, via: nodeName });
    const outcome = await bounded(
      this.stepTimeoutMs,
      `publishing as ${sender.id}`,
      client.publish(COLLECTOR_SUBJECT, body),
    );
    if (outcome === "denied") {
      record("failed", `permission error publishing ${COLLECTOR_SUBJECT} as ${sender.id} through ${nodeName}`);
      return;
    }
    const event = await this.deliver(sender, tag, body, start);
    const receivers = this.observers.filter((observer) => observer.inbox && observer.identity.reads.includes(tenant));
    const problems = receivers.flatMap(({ identity }) => {
      const received = event.arrivals.get(identity.id);
      const expected = identity.streams[tenant];
      if (!received) {
        return [
          `${identity.id} did not receive it within ${this.options.eventTimeoutMs} ms (expected on ${expected}; ` +
            `does ${nodeName} route to ${this.primary.server.name}?)`,
        ];
      }
      if (received.subject !== expected)
        return [`${identity.id} received it on ${received.subject}, expected ${expected}`];
      return received.body === body ? [] : [`${identity.id} received it altered`];
    });
    if (problems.length > 0) record("failed", `${sender.id}'s event through ${nodeName}: ${problems.join("; ")}`);
    else {
      const where = receivers.map(({ identity }) => `${identity.id} on ${identity.streams[tenant]}`);
      record(
        "passed",
        `${sender.id}'s event through ${nodeName} reached ${list(where)} at ${this.primary.server.name}, body intact`,
      );
    }
  }

  /**
   * Records an event `collector` published (tagged `tag`) and waits for it at
   * every engine and reader of its tenant that has a subscription.
   */
  private async deliver(collector: DeployedIdentity, tag: string, body: string, start: number) {
    const tenant = collector.tenant as string;
    const event: CollectorEvent = {
      collector,
      tenant,
      tag: quoted(tag),
      body,
      arrivals: new Map(),
      arrivalMs: new Map(),
    };
    this.events.push(event);
    const receivers = this.observers.filter((observer) => observer.identity.reads.includes(tenant));
    await Promise.all(
      receivers.map(async ({ identity, inbox }) => {
        if (!inbox) return;
        event.arrivals.set(identity.id, await inbox.waitForTag(event.tag, this.options.eventTimeoutMs));
        event.arrivalMs.set(identity.id, since(start));
      }),
    );
    return event;
  }

  /** A throwaway CA made in memory, named like the real one, so only the key tells them apart. */
  private async createForeignCa(): Promise<LocalCertificateAuthority> {
    const real = new x509.X509Certificate(this.topology.caPem).subjectName;
    return createCertificateAuthority(real.getField("CN")[0] ?? "Tornado NATS CA", real.getField("O")[0] ?? "Tornado");
  }

  /**
   * Publishes the allowed event and waits for it at every engine and reader
   * of the collector's tenant; records the verdict for the engines (readers
   * get theirs in judgeReaderReceives). Returns the event when it was
   * published.
   */
  private async collectorEvent(collector: DeployedIdentity, client: ProbeClient): Promise<CollectorEvent | undefined> {
    const tenant = collector.tenant as string;
    const tag = this.tag();
    const body = smokeEvent(tag, this.options.runId, {
      identity: collector.id,
      tenant,
      text: "tornado-nats smoke ✓",
    });
    const start = performance.now();
    const outcome = await bounded(
      this.stepTimeoutMs,
      `publishing as ${collector.id}`,
      client.publish(COLLECTOR_SUBJECT, body),
    );
    if (outcome === "denied") {
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "failed",
        since(start),
        `permission error publishing ${COLLECTOR_SUBJECT}`,
      );
      return undefined;
    }
    const event = await this.deliver(collector, tag, body, start);
    const receivers = this.observers.filter((observer) => observer.identity.reads.includes(tenant));
    const ms = since(start);

    const engines = receivers.filter((observer) => observer.identity.role === "engine");
    if (engines.length === 0) {
      const readers = receivers.length > 0 ? "; the readers of it are checked in their own rows" : "";
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "not_run",
        ms,
        `published, but no engine reads tenant ${tenant}${readers}`,
      );
      return event;
    }
    const problems: string[] = [];
    const unchecked: string[] = [];
    for (const { identity, inbox } of engines) {
      const who = engines.length === 1 ? "the engine" : identity.id;
      const expected = identity.streams[tenant];
      const received = event.arrivals.get(identity.id);
      if (!inbox) unchecked.push(identity.id);
      else if (!received) {
        const hint = isSharedEngine(identity)
          ? `is ${COLLECTOR_SUBJECT} exported to the engine account and imported with the tenant prefix?`
          : `is ${COLLECTOR_SUBJECT} mapped to ${expected} in account ${identity.account}?`;
        problems.push(
          `${who} did not receive the event within ${this.options.eventTimeoutMs} ms (expected on ${expected}; ${hint})`,
        );
      } else if (received.subject !== expected) {
        const fix = isSharedEngine(identity)
          ? `the import prefix of tenant ${tenant}`
          : `the subject mapping of account ${identity.account}`;
        problems.push(
          `${who} received it on ${received.subject}, expected ${expected}: ${who} would file it under ` +
            `tenant "${received.subject.split(".")[0]}" (check ${fix})`,
        );
      } else if (received.body !== body) problems.push(`${who} received the event altered`);
    }
    if (problems.length > 0) {
      this.recorder.record(CHECK.collectorEvent, collector.id, "failed", ms, problems.join("; "));
    } else if (unchecked.length > 0) {
      const who = engines.length === 1 ? "the engine identity" : list(unchecked);
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "not_run",
        ms,
        `published, but ${who} has no subscription to receive it`,
      );
    } else {
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "passed",
        ms,
        engines.length === 1
          ? `received on ${engines[0].identity.streams[tenant]}, body intact`
          : `received by ${engines.map(({ identity }) => `${identity.id} on ${identity.streams[tenant]}`).join(" and ")}, body intact`,
      );
    }
    return event;
  }

  private async collectorSubscribe(collector: DeployedIdentity, client: ProbeClient): Promise<void> {
    const start = performance.now();
    const accepted: string[] = [];
    for (const subject of [COLLECTOR_SUBJECT, ">"]) {
      const { outcome, subscription } = await bounded(
        this.stepTimeoutMs,
        `subscribing as ${collector.id}`,
        client.subscribe(subject),
      );
      if (outcome === "active") {
        accepted.push(subject);
        subscription.unsubscribe();
      }
    }
    this.recorder.record(
      CHECK.collectorSubscribe,
      collector.id,
      accepted.length === 0 ? "passed" : "failed",
      since(start),
      accepted.length === 0
        ? `permission errors for ${COLLECTOR_SUBJECT} and >`
        : `subscribed to ${accepted.join(" and ")} without a permission error (collectors may subscribe to nothing)`,
    );
  }

  /**
   * One more event per tenant, from a collector of it whose publish was
   * accepted, sent after everything else: the first of its tenants' final
   * events to reach an engine or reader is its witness. Anything published
   * before would have reached it ahead of the witness.
   */
  private async sendFinalEvents(): Promise<void> {
    const start = performance.now();
    for (const [tenant, sender] of this.finalSenders) {
      const tag = this.tag();
      const outcome = await bounded(
        this.stepTimeoutMs,
        `publishing as ${sender.identity.id}`,
        sender.client.publish(
          COLLECTOR_SUBJECT,
          smokeEvent(tag, this.options.runId, { identity: sender.identity.id, tenant }),
        ),
      );
      if (outcome === "accepted") this.finalEvents.set(quoted(tag), tenant);
    }
    await Promise.all(
      this.observers.map(async (observer) => {
        const tags = [...this.finalEvents].filter(([, tenant]) => observer.identity.reads.includes(tenant));
        observer.witness = await observer.inbox?.waitForAny(
          tags.map(([tag]) => tag),
          this.options.eventTimeoutMs,
        );
        observer.witnessMs = since(start);
      }),
    );
  }

  /** The tenant whose final event `message` is. */
  private finalEventTenant(message: InboxMessage): string | undefined {
    return [...this.finalEvents].find(([tag]) => message.body.includes(tag))?.[1];
  }

  /** The publish denial of an engine or reader: a permission error, and nothing of it reached anyone. */
  private judgeForged(observer: Observer): void {
    const { identity, forged, forgedMs } = observer;
    const check = publishCheck(identity);
    if (this.recorder.has(check, identity.id) || forged.length === 0) return;
    const accepted = forged.filter((attempt) => attempt.outcome === "accepted").map((attempt) => attempt.subject);
    if (accepted.length > 0) {
      this.recorder.record(
        check,
        identity.id,
        "failed",
        forgedMs,
        `published to ${list(accepted)} without a permission error (the ${identity.role} may publish nothing)`,
      );
      return;
    }
    const subjects = list(forged.map((attempt) => attempt.subject));
    const leaked = forged.flatMap((attempt) => this.arrivalsOf(attempt.tag));
    const witnesses = this.observers.filter((candidate) => candidate.witness).map((candidate) => candidate.identity.id);
    if (leaked.length > 0) {
      this.recorder.record(
        check,
        identity.id,
        "failed",
        forgedMs,
        `reached ${list(leaked)} despite the permission error`,
      );
    } else if (witnesses.length === 0) {
      this.recorder.record(
        check,
        identity.id,
        "not_run",
        forgedMs,
        `permission errors for ${subjects} came, but no engine or reader received a later event, so "nothing arrives" is unproven`,
      );
    } else {
      this.recorder.record(
        check,
        identity.id,
        "passed",
        forgedMs,
        `permission errors for ${subjects}; later events reached ${list(witnesses)} without them`,
      );
    }
  }

  /** A reader got every event of the tenants it reads, each on the subject it sees that tenant on, intact. */
  private judgeReaderReceives(observer: Observer): void {
    const { identity, inbox } = observer;
    if (this.recorder.has(CHECK.readerReceives, identity.id)) return;
    // Its wall time: the longest any of its events took to reach it.
    const ms = Math.max(0, ...this.events.map((event) => event.arrivalMs.get(identity.id) ?? 0));
    const record = (result: "passed" | "failed" | "not_run", detail: string): void =>
      this.recorder.record(CHECK.readerReceives, identity.id, result, ms, detail);
    if (!inbox) {
      record("not_run", "it has no subscription, so it could receive nothing");
      return;
    }
    const expected = this.events.filter((event) => identity.reads.includes(event.tenant));
    const problems = expected.flatMap((event) => {
      const subject = identity.streams[event.tenant];
      const arrived = event.arrivals.get(identity.id);
      if (!arrived) {
        return [
          `${event.collector.id}'s event did not arrive within ${this.options.eventTimeoutMs} ms (expected on ${subject})`,
        ];
      }
      if (arrived.subject !== subject)
        return [`${event.collector.id}'s event arrived on ${arrived.subject}, expected ${subject}`];
      return arrived.body === event.body ? [] : [`${event.collector.id}'s event arrived altered`];
    });
    const silent = identity.reads.flatMap((tenant) => this.silentCollectors.get(tenant) ?? []);
    const received = identity.reads
      .filter((tenant) => expected.some((event) => event.tenant === tenant))
      .map((tenant) => `${tenant} on ${identity.streams[tenant]}`);
    if (problems.length > 0) record("failed", problems.join("; "));
    else if (expected.length === 0) {
      record("not_run", `no collector of ${list(identity.reads)} published an event for it to receive`);
    } else if (silent.length > 0) {
      record("not_run", `received ${list(received)}, but ${list(silent)} published no event, so not all was checked`);
    } else {
      const events = expected.length === 1 ? "the 1 event" : `all ${expected.length} events`;
      record("passed", `received ${events} of ${list(received)}, body intact`);
    }
  }

  /** No event of a tenant it does not read reached an engine or reader, proven by a later event of its own tenants. */
  private judgeOtherTenants(observer: Observer): void {
    const { identity, inbox, witness } = observer;
    if (this.recorder.has(CHECK.otherTenantsEvents, identity.id)) return;
    const record = (result: "passed" | "failed" | "not_run", detail: string): void =>
      this.recorder.record(CHECK.otherTenantsEvents, identity.id, result, observer.witnessMs, detail);
    if (!inbox) {
      record("not_run", "it has no subscription, so it could receive nothing");
      return;
    }
    const unread = unreadTenants(this.topology, identity);
    const leaked = inbox.messages.flatMap((message) => {
      const event = this.events.find((candidate) => message.body.includes(candidate.tag));
      const tenant = event?.tenant ?? this.finalEventTenant(message);
      if (tenant === undefined || !unread.includes(tenant)) return [];
      const which = event ? `event from ${event.collector.id}` : "final event";
      return [`${tenant}'s ${which} on ${message.subject}`];
    });
    const sent = this.events.filter((event) => unread.includes(event.tenant));
    const sentTenants = unread.filter((tenant) => sent.some((event) => event.tenant === tenant));
    if (leaked.length > 0) {
      record("failed", `received ${list(leaked)}; it reads ${list(identity.reads)} only`);
    } else if (sent.length === 0) {
      record("not_run", `no collector of ${list(unread)} published an event, so there was nothing to withhold`);
    } else if (!witness) {
      record(
        "not_run",
        `no later event of ${list(identity.reads)} reached it, so it is unproven that none of the events of ` +
          `${list(sentTenants)} arrived`,
      );
    } else {
      record(
        "passed",
        `none of the ${sent.length} events of ${list(sentTenants)} arrived; a later event of ` +
          `${this.finalEventTenant(witness)} did`,
      );
    }
  }
}
