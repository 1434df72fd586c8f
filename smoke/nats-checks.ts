// @peculiar/x509 needs the Reflect polyfill loaded before it.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { CHECK, NO_IDENTITY } from "./check-names";
import { bounded, CheckRecorder, reasonOf, since } from "./check-recorder";
import type { DeployedIdentity, DeployedTopology } from "./deployed-topology";
import { EngineInbox } from "./engine-inbox";
import { createCertificateAuthority, issueCertificate, type LocalCertificateAuthority } from "./local-pki";
import { ProbeClient, tryConnect, tryPlaintext, type ClientMaterial, type NatsEndpoint } from "./nats-probes";
import { inspectServerCertificate } from "./server-certificate";
import { newTag, smokeEvent } from "./smoke-event";
import type { SmokeCheck } from "./smoke-report";

/**
 * The NATS half of the smoke test: every allowed path of the deployed
 * topology, and beside each the denial that must hold. A denial passes only
 * on the server's own refusal (a failed handshake, an authorization error, a
 * permission error), and "nothing arrives" only when a later sentinel from
 * the same publisher reached the engine without the forbidden message before
 * it. Every network step is bounded in time.
 */

/** What collectors publish and the engine sees prefixed with the tenant (constructs/core/nats-config.ts). */
const COLLECTOR_SUBJECT = "tornado.events";
const ENGINE_SUBJECT = `*.${COLLECTOR_SUBJECT}`;

export interface NatsCheckOptions {
  readonly topology: DeployedTopology;
  readonly endpoint: NatsEndpoint;
  /** Marks every event of this run, so a live engine's other traffic is ignored. */
  readonly runId: string;
  /** How long an event may take to reach the engine. */
  readonly eventTimeoutMs: number;
  /** How long a connection (TCP, TLS, NATS handshake) may take. */
  readonly connectTimeoutMs: number;
}

/** The checks in report order: each identity's denials beside its allowed twin. */
export function natsCheckPlan(topology: DeployedTopology): [string, string][] {
  const engine = engineIdentity(topology);
  const plan: [string, string][] = [
    [CHECK.serverCertificate, NO_IDENTITY],
    [CHECK.plaintext, NO_IDENTITY],
    [CHECK.noClientCertificate, NO_IDENTITY],
  ];
  for (const identity of topology.identities.filter((candidate) => candidate.role !== "collector")) {
    plan.push([CHECK.connect, identity.id]);
  }
  plan.push([CHECK.engineSubscribe, engine.id], [CHECK.enginePublish, engine.id]);
  for (const collector of collectors(topology)) {
    plan.push(
      [CHECK.connect, collector.id],
      [CHECK.foreignCa, collector.id],
      [CHECK.collectorEvent, collector.id],
      [CHECK.otherTenantSubject, collector.id],
      [CHECK.arbitrarySubject, collector.id],
      [CHECK.collectorSubscribe, collector.id],
    );
  }
  return plan;
}

function engineIdentity(topology: DeployedTopology): DeployedIdentity {
  // parseDeployedTopology guarantees one.
  return topology.identities.find((identity) => identity.role === "engine") as DeployedIdentity;
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
  private readonly endpoint: NatsEndpoint;
  private readonly clients: ProbeClient[] = [];
  private readonly stepTimeoutMs: number;
  private engine?: { client: ProbeClient; inbox?: EngineInbox };
  /** A collector whose event reached the engine, kept open to send the sentinel for the engine's denied publish. */
  private sentinelSender?: { client: ProbeClient; identity: DeployedIdentity };
  private foreignCa?: Promise<LocalCertificateAuthority>;

  constructor(
    private readonly options: NatsCheckOptions,
    private readonly recorder: CheckRecorder,
  ) {
    this.topology = options.topology;
    this.endpoint = options.endpoint;
    this.stepTimeoutMs = options.connectTimeoutMs + 1000;
  }

  async all(): Promise<void> {
    if (!(await this.serverCertificate())) {
      this.recorder.notRun(`not run: the "${CHECK.serverCertificate}" check failed`);
      return;
    }
    await this.plaintext();
    await this.noClientCertificate();
    await this.connectEngine();
    for (const identity of this.topology.identities.filter((candidate) => candidate.role === "system")) {
      await this.connectOnly(identity);
    }
    for (const collector of collectors(this.topology)) await this.collector(collector);
    await this.enginePublish();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((client) => client.close().catch(() => undefined)));
  }

  private tag(): string {
    return newTag(this.options.runId);
  }

  private async serverCertificate(): Promise<boolean> {
    const start = performance.now();
    const engine = engineIdentity(this.topology);
    const outcome = await inspectServerCertificate(
      this.endpoint,
      materialOf(this.topology, engine),
      this.options.connectTimeoutMs,
    );
    const { servername, address } = this.endpoint;
    if (!outcome.reached) {
      this.recorder.record(
        CHECK.serverCertificate,
        NO_IDENTITY,
        "failed",
        since(start),
        `${outcome.reason}. Is the NATS container running and its port published? From another machine, ` +
          "pass --server host:port (and --servername NAME if the address is not a DNS name in the certificate).",
      );
      return false;
    }
    const { facts } = outcome;
    if (facts.nameProblem) {
      this.recorder.record(
        CHECK.serverCertificate,
        NO_IDENTITY,
        "failed",
        since(start),
        `the server certificate at ${address} is not valid for the name "${servername}"; it offers ` +
          `${facts.subjectAltNames}. Pass --servername with one of those names, or add "${servername}" to nats.dnsNames ` +
          "and redeploy.",
      );
      return false;
    }
    if (facts.chainProblem) {
      this.recorder.record(
        CHECK.serverCertificate,
        NO_IDENTITY,
        "failed",
        since(start),
        `the server certificate at ${address} (subject ${facts.subject}, issuer ${facts.issuer}) does not verify ` +
          `against ca_certificate_pem from the outputs (${facts.chainProblem}). Are these the outputs of this deployment?`,
      );
      return false;
    }
    this.recorder.record(
      CHECK.serverCertificate,
      NO_IDENTITY,
      "passed",
      since(start),
      `valid for "${servername}" (${facts.subjectAltNames}), issued by ${facts.issuer}, until ${facts.validTo}`,
    );
    return true;
  }

  private async plaintext(): Promise<void> {
    const start = performance.now();
    const outcome = await tryPlaintext(this.endpoint.address, this.options.connectTimeoutMs);
    if (outcome.accepted) {
      this.recorder.record(
        CHECK.plaintext,
        NO_IDENTITY,
        "failed",
        since(start),
        "the server answered a plaintext CONNECT",
      );
    } else {
      this.recorder.record(CHECK.plaintext, NO_IDENTITY, "passed", since(start), `refused: ${outcome.reason}`);
    }
  }

  private async noClientCertificate(): Promise<void> {
    const start = performance.now();
    const outcome = await tryConnect(
      this.endpoint,
      { caPem: this.topology.caPem },
      { name: `tornado-nats-smoke ${this.options.runId}`, timeoutMs: this.options.connectTimeoutMs },
    );
    if (outcome.accepted) {
      this.recorder.record(
        CHECK.noClientCertificate,
        NO_IDENTITY,
        "failed",
        since(start),
        "a TLS client without a certificate was let in (is verify_and_map off, or a no_auth_user set?)",
      );
    } else {
      this.recorder.record(
        CHECK.noClientCertificate,
        NO_IDENTITY,
        "passed",
        since(start),
        `refused: ${firstLine(outcome.reason)}`,
      );
    }
  }

  /** Connects as `identity`; records the connect check. */
  private async connectAs(identity: DeployedIdentity): Promise<ProbeClient | undefined> {
    const start = performance.now();
    try {
      const client = await bounded(
        this.stepTimeoutMs,
        `connecting as ${identity.id}`,
        ProbeClient.connect(this.endpoint, materialOf(this.topology, identity), {
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
        `connected with the certificate for ${identity.natsUser}`,
      );
      return client;
    } catch (error) {
      this.recorder.record(
        CHECK.connect,
        identity.id,
        "failed",
        since(start),
        `connecting with the certificate for ${identity.natsUser} failed: ${firstLine(reasonOf(error))}`,
      );
      return undefined;
    }
  }

  private async connectOnly(identity: DeployedIdentity): Promise<void> {
    const client = await this.connectAs(identity);
    await client?.close();
  }

  private async connectEngine(): Promise<void> {
    const engine = engineIdentity(this.topology);
    const client = await this.connectAs(engine);
    if (!client) {
      this.recorder.notRun(`not run: could not connect as ${engine.id}`, engine.id);
      return;
    }
    this.engine = { client };
    const start = performance.now();
    const { outcome, subscription } = await bounded(
      this.stepTimeoutMs,
      `subscribing as ${engine.id}`,
      client.subscribe(ENGINE_SUBJECT),
    );
    if (outcome === "active") {
      this.engine.inbox = new EngineInbox(subscription, this.options.runId);
      this.recorder.record(CHECK.engineSubscribe, engine.id, "passed", since(start), `subscribed to ${ENGINE_SUBJECT}`);
    } else {
      this.recorder.record(
        CHECK.engineSubscribe,
        engine.id,
        "failed",
        since(start),
        `permission error subscribing to ${ENGINE_SUBJECT}: the engine could receive no event`,
      );
    }
  }

  private async collector(collector: DeployedIdentity): Promise<void> {
    const client = await this.connectAs(collector);
    await this.foreignCertificate(collector);
    if (!client) {
      this.recorder.notRun(`not run: could not connect as ${collector.id}`, collector.id);
      return;
    }
    const tenant = collector.tenant as string;
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

    // The allowed publish, which is also the sentinel for the two forbidden ones before it.
    const sentinel = await this.collectorEvent(collector, client);
    for (const attempt of forbidden) {
      if (attempt.outcome === "accepted") {
        this.recorder.record(
          attempt.check,
          collector.id,
          "failed",
          attempt.ms,
          `published to ${attempt.subject} without a permission error (collectors may publish ${COLLECTOR_SUBJECT} only)`,
        );
      } else if (!sentinel) {
        this.recorder.record(
          attempt.check,
          collector.id,
          "not_run",
          attempt.ms,
          `the permission error for ${attempt.subject} came, but with no sentinel at the engine "nothing arrives" is unproven`,
        );
      } else {
        const leaked = this.engine?.inbox?.arrivedBefore(sentinel, quoted(attempt.tag)) ?? [];
        this.recorder.record(
          attempt.check,
          collector.id,
          leaked.length === 0 ? "passed" : "failed",
          attempt.ms,
          leaked.length === 0
            ? `permission error for ${attempt.subject}; the later sentinel reached the engine without it`
            : `reached the engine as ${leaked.map((message) => message.subject).join(", ")} despite the permission error`,
        );
      }
    }

    await this.collectorSubscribe(collector, client);
    // The engine publish check needs a sentinel from a collector whose events are known to arrive.
    if (!this.sentinelSender && sentinel) this.sentinelSender = { client, identity: collector };
    else await client.close();
  }

  private async foreignCertificate(collector: DeployedIdentity): Promise<void> {
    const start = performance.now();
    try {
      const genuine = new x509.X509Certificate(collector.certificatePem);
      this.foreignCa ??= this.createForeignCa();
      const forged = await issueCertificate(await this.foreignCa, { subject: genuine.subjectName, usage: "client" });
      const outcome = await tryConnect(
        this.endpoint,
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

  /** A throwaway CA made in memory, named like the real one, so only the key tells them apart. */
  private async createForeignCa(): Promise<LocalCertificateAuthority> {
    const real = new x509.X509Certificate(this.topology.caPem).subjectName;
    return createCertificateAuthority(real.getField("CN")[0] ?? "Tornado NATS CA", real.getField("O")[0] ?? "Tornado");
  }

  /** Publishes the allowed event and waits for it at the engine; returns its tag when it arrived. */
  private async collectorEvent(collector: DeployedIdentity, client: ProbeClient): Promise<string | undefined> {
    const expectedSubject = `${collector.tenant}.${COLLECTOR_SUBJECT}`;
    const tag = this.tag();
    const body = smokeEvent(tag, this.options.runId, {
      identity: collector.id,
      tenant: collector.tenant as string,
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
    const inbox = this.engine?.inbox;
    if (!inbox) {
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "not_run",
        since(start),
        "published, but the engine identity has no subscription to receive it",
      );
      return undefined;
    }
    const received = await inbox.waitForTag(quoted(tag), this.options.eventTimeoutMs);
    const ms = since(start);
    if (!received) {
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "failed",
        ms,
        `the engine did not receive the event within ${this.options.eventTimeoutMs} ms (expected on ${expectedSubject}; ` +
          "is tornado.events exported to the engine account and imported with the tenant prefix?)",
      );
      return undefined;
    }
    if (received.subject !== expectedSubject) {
      this.recorder.record(
        CHECK.collectorEvent,
        collector.id,
        "failed",
        ms,
        `the engine received it on ${received.subject}, expected ${expectedSubject}: the engine would file it under ` +
          `tenant "${received.subject.split(".")[0]}" (check the import prefix of tenant ${collector.tenant})`,
      );
      return quoted(tag);
    }
    if (received.body !== body) {
      this.recorder.record(CHECK.collectorEvent, collector.id, "failed", ms, "the engine received the event altered");
      return quoted(tag);
    }
    this.recorder.record(
      CHECK.collectorEvent,
      collector.id,
      "passed",
      ms,
      `received on ${expectedSubject}, body intact`,
    );
    return quoted(tag);
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

  private async enginePublish(): Promise<void> {
    const engine = engineIdentity(this.topology);
    if (!this.engine || this.recorder.has(CHECK.enginePublish, engine.id)) return;
    const start = performance.now();
    const attempts = [];
    for (const tenant of this.topology.tenants) {
      const subject = `${tenant}.${COLLECTOR_SUBJECT}`;
      const tag = this.tag();
      const outcome = await bounded(
        this.stepTimeoutMs,
        `publishing as ${engine.id}`,
        this.engine.client.publish(subject, smokeEvent(tag, this.options.runId, { identity: engine.id })),
      );
      attempts.push({ subject, tag, outcome });
    }
    const accepted = attempts.filter((attempt) => attempt.outcome === "accepted").map((attempt) => attempt.subject);
    if (accepted.length > 0) {
      this.recorder.record(
        CHECK.enginePublish,
        engine.id,
        "failed",
        since(start),
        `published to ${accepted.join(", ")} without a permission error (the engine may publish nothing)`,
      );
      return;
    }
    // The engine's PUBs were handled before the PONG of its flush; a collector's later sentinel
    // is delivered to the engine's connection after anything those PUBs could have delivered.
    const sender = this.sentinelSender;
    const inbox = this.engine.inbox;
    if (!sender || !inbox) {
      const missing = !inbox ? "the engine identity has no subscription" : "no collector's event reached the engine";
      this.recorder.record(
        CHECK.enginePublish,
        engine.id,
        "not_run",
        since(start),
        `permission errors came, but ${missing}, so "nothing arrives" is unproven`,
      );
      return;
    }
    const sentinel = this.tag();
    const sent = await bounded(
      this.stepTimeoutMs,
      `publishing as ${sender.identity.id}`,
      sender.client.publish(
        COLLECTOR_SUBJECT,
        smokeEvent(sentinel, this.options.runId, { identity: sender.identity.id }),
      ),
    );
    const arrived =
      sent === "accepted" ? await inbox.waitForTag(quoted(sentinel), this.options.eventTimeoutMs) : undefined;
    if (!arrived) {
      this.recorder.record(
        CHECK.enginePublish,
        engine.id,
        "not_run",
        since(start),
        `permission errors came, but ${sender.identity.id}'s sentinel never reached the engine, so "nothing arrives" is unproven`,
      );
      return;
    }
    const leaked = attempts.flatMap((attempt) => inbox.arrivedBefore(quoted(sentinel), quoted(attempt.tag)));
    this.recorder.record(
      CHECK.enginePublish,
      engine.id,
      leaked.length === 0 ? "passed" : "failed",
      since(start),
      leaked.length === 0
        ? `permission errors for ${attempts.map((attempt) => attempt.subject).join(", ")}; a later sentinel arrived without them`
        : `reached the engine as ${leaked.map((message) => message.subject).join(", ")} despite the permission error`,
    );
  }
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0].trim();
}
