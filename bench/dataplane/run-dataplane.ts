import { join } from "node:path";
import { issueTopologyPki, type TopologyPki } from "../../__tests__/helpers/topology-pki";
import { ENGINE_SUBJECT } from "../../constructs/core/nats-config";
import { COLLECTOR_SUBJECT } from "../../constructs/core/subjects";
import { resolveTopology, type Topology } from "../../constructs/core/topology";
import { engineSideSubject } from "../../constructs/core/tenant-streams";
import { bundle } from "../bundle";
import { scratchDir, type BenchContext } from "../context";
import { runsOf, type Runs } from "../stats";
import { generatedTopology } from "../synth/topologies";
import { startWorker } from "../worker-process";
import type { Dial, Load, PublishersReport, SubscriberReport } from "./client-protocol";
import { natsBenchPubSub, type NatsCliTarget } from "./natscli";
import {
  SERVER_NAMES,
  identityFiles,
  startBenchServers,
  stopBenchServers,
  subscriptionAbove,
  subscriptionCount,
  type BenchServer,
  type ServerName,
} from "./servers";

/**
 * Part 2, the data plane: `nats bench` (natscli) and the Tornado path
 * (@nats-io/transport-node, 1 KiB Tornado events, one engine subscriber)
 * against the plaintext, TLS-only and product servers, alternating between
 * them in every round. Publishers are collectors of the product topology,
 * each with its own certificate; the subscriber is the engine.
 */

export interface NatsBenchCell {
  readonly server: ServerName;
  readonly size: string;
  readonly msgs: number;
  /** End to end: what the subscriber received per second. */
  readonly msgsPerSec: Runs;
  /** 10⁶ bytes per second, at the subscriber. */
  readonly mbPerSec: Runs;
  readonly publisherMsgsPerSec: Runs;
}

export interface TornadoThroughputCell {
  readonly server: ServerName;
  readonly publishers: number;
  readonly events: number;
  /** Events the engine received per second, from the publishers' start to the last event. */
  readonly eventsPerSec: Runs;
  /** Over every run: events sent and not received, and events received damaged. */
  readonly lost: number;
  readonly malformed: number;
}

export interface TornadoLatencyCell {
  readonly server: ServerName;
  readonly publishers: number;
  readonly perSecond: number;
  readonly seconds: number;
  /** Publish to engine callback, microseconds, after the warm-up; one value per run. */
  readonly p50Us: Runs;
  readonly p99Us: Runs;
  readonly p999Us: Runs;
  readonly maxUs: Runs;
  readonly samplesPerRun: number;
  readonly lost: number;
}

export interface DataPlaneResults {
  readonly rounds: number;
  readonly topology: { readonly collectors: number; readonly tenants: number };
  readonly natsBench: readonly NatsBenchCell[];
  readonly tornadoThroughput: readonly TornadoThroughputCell[];
  readonly tornadoLatency: readonly TornadoLatencyCell[];
}

interface Plan {
  readonly rounds: number;
  readonly sizes: readonly { readonly size: string; readonly msgs: number }[];
  readonly throughputEvents: number;
  readonly latencySeconds: number;
  readonly latencyWarmupSeconds: number;
}

const LATENCY_RATE = 5000;
const PUBLISHER_COUNTS = [1, 10] as const;

function plan(quick: boolean): Plan {
  return quick
    ? {
        rounds: 1,
        sizes: [
          { size: "16B", msgs: 50_000 },
          { size: "1KiB", msgs: 20_000 },
          { size: "16KiB", msgs: 2_000 },
        ],
        throughputEvents: 10_000,
        latencySeconds: 1.2,
        latencyWarmupSeconds: 0.2,
      }
    : {
        rounds: 5,
        sizes: [
          { size: "16B", msgs: 1_000_000 },
          { size: "1KiB", msgs: 300_000 },
          { size: "16KiB", msgs: 40_000 },
        ],
        throughputEvents: 200_000,
        latencySeconds: 11,
        latencyWarmupSeconds: 1,
      };
}

/** Every round starts with a different server, so none always runs first (or last) in a round. */
function rotated(round: number): ServerName[] {
  return SERVER_NAMES.map((_, index) => SERVER_NAMES[(index + round) % SERVER_NAMES.length]);
}

/** The data plane's topology: ten collectors of two tenants, the engine; names clients dial by include localhost. */
export function dataPlaneTopology(): Topology {
  return resolveTopology(generatedTopology(10, 2));
}

export async function runDataPlane(context: BenchContext): Promise<DataPlaneResults> {
  const { rounds, sizes, throughputEvents, latencySeconds, latencyWarmupSeconds } = plan(context.quick);
  const dir = scratchDir(context, "dataplane");
  const client = bundle(join(context.root, "bench", "dataplane", "tornado-client.ts"), scratchDir(context, "bundles"));
  const topology = dataPlaneTopology();
  const pki = await issueTopologyPki(topology, dir);
  const servers = await startBenchServers(topology, pki, dir);
  try {
    const natsBench = await runNatsBench(context, servers, pki, topology, dir, rounds, sizes);
    const paths = new TornadoPath(client, servers, pki, topology);
    const throughput = new Map<string, { rates: number[]; lost: number; malformed: number }>();
    const latency = new Map<
      string,
      { p50: number[]; p99: number[]; p999: number[]; max: number[]; samples: number; lost: number }
    >();
    for (let round = 0; round < rounds; round++) {
      for (const publishers of PUBLISHER_COUNTS) {
        for (const name of rotated(round)) {
          const run = await paths.throughput(name, publishers, throughputEvents);
          const entry = throughput.get(`${name}/${publishers}`) ?? { rates: [], lost: 0, malformed: 0 };
          entry.rates.push(run.eventsPerSec);
          entry.lost += run.lost;
          entry.malformed += run.malformed;
          throughput.set(`${name}/${publishers}`, entry);
        }
      }
      for (const publishers of PUBLISHER_COUNTS) {
        for (const name of rotated(round)) {
          const run = await paths.latency(name, publishers, LATENCY_RATE, latencySeconds, latencyWarmupSeconds);
          const entry = latency.get(`${name}/${publishers}`) ?? {
            p50: [],
            p99: [],
            p999: [],
            max: [],
            samples: 0,
            lost: 0,
          };
          entry.p50.push(run.p50);
          entry.p99.push(run.p99);
          entry.p999.push(run.p999);
          entry.max.push(run.max);
          entry.samples = run.samples;
          entry.lost += run.lost;
          latency.set(`${name}/${publishers}`, entry);
        }
      }
      context.log(`data plane: Tornado path round ${round + 1}/${rounds}`);
    }
    const cells = <T>(build: (name: ServerName, publishers: number) => T) =>
      PUBLISHER_COUNTS.flatMap((publishers) => SERVER_NAMES.map((name) => build(name, publishers)));
    return {
      rounds,
      topology: { collectors: topology.collectors.length, tenants: topology.tenants.length },
      natsBench,
      tornadoThroughput: cells((name, publishers) => {
        const entry = throughput.get(`${name}/${publishers}`);
        if (!entry) throw new Error(`no throughput runs for ${name}/${publishers}`);
        return {
          server: name,
          publishers,
          events: throughputEvents,
          eventsPerSec: runsOf(entry.rates),
          lost: entry.lost,
          malformed: entry.malformed,
        };
      }),
      tornadoLatency: cells((name, publishers) => {
        const entry = latency.get(`${name}/${publishers}`);
        if (!entry) throw new Error(`no latency runs for ${name}/${publishers}`);
        return {
          server: name,
          publishers,
          perSecond: LATENCY_RATE,
          seconds: latencySeconds - latencyWarmupSeconds,
          p50Us: runsOf(entry.p50),
          p99Us: runsOf(entry.p99),
          p999Us: runsOf(entry.p999),
          maxUs: runsOf(entry.max),
          samplesPerRun: entry.samples,
          lost: entry.lost,
        };
      }),
    };
  } finally {
    await stopBenchServers(servers);
  }
}

async function runNatsBench(
  context: BenchContext,
  servers: Map<ServerName, BenchServer>,
  pki: TopologyPki,
  topology: Topology,
  dir: string,
  rounds: number,
  sizes: Plan["sizes"],
): Promise<NatsBenchCell[]> {
  const collector = topology.collectors[0];
  const collectorId = `collector/${collector.name}`;
  const collectorFiles = identityFiles(pki, collectorId, dir);
  const engineFiles = identityFiles(pki, "engine/tornado-engine", dir);
  const samples = new Map<string, { sub: number[]; mb: number[]; pub: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const { size, msgs } of sizes) {
      for (const name of rotated(round)) {
        const server = servers.get(name) as BenchServer;
        const url = `${server.tls ? "tls" : "nats"}://localhost:${server.port}`;
        const base: NatsCliTarget = server.tls ? { url, caFile: pki.caFile } : { url };
        const product = name === "product";
        const baseline = await subscriptionCount(server);
        const run = await natsBenchPubSub({
          publishAs: product ? { ...base, ...collectorFiles } : base,
          subscribeAs: product ? { ...base, ...engineFiles } : base,
          // The engine sees the collector's tornado.events as <tenant>.tornado.events; the references carry that subject end to end.
          publishSubject: product ? COLLECTOR_SUBJECT : engineSideSubject(collector.tenant),
          subscribeSubject: engineSideSubject(collector.tenant),
          size: size.replace("KiB", "KB"),
          msgs,
          timeoutMs: context.quick ? 30_000 : 120_000,
          subscribed: () => subscriptionAbove(server, baseline),
          csvDir: dir,
        });
        const key = `${name}/${size}`;
        const entry = samples.get(key) ?? { sub: [], mb: [], pub: [] };
        entry.sub.push(run.subscriber.msgsPerSec);
        entry.mb.push(run.subscriber.bytesPerSec / 1e6);
        entry.pub.push(run.publisher.msgsPerSec);
        samples.set(key, entry);
      }
    }
    context.log(`data plane: nats bench round ${round + 1}/${rounds}`);
  }
  return sizes.flatMap(({ size, msgs }) =>
    SERVER_NAMES.map((name) => {
      const entry = samples.get(`${name}/${size}`) as { sub: number[]; mb: number[]; pub: number[] };
      return {
        server: name,
        size,
        msgs,
        msgsPerSec: runsOf(entry.sub),
        mbPerSec: runsOf(entry.mb),
        publisherMsgsPerSec: runsOf(entry.pub),
      };
    }),
  );
}

/** The Tornado path against one of the servers: collectors' publishers, the engine's subscriber. */
class TornadoPath {
  constructor(
    private readonly script: string,
    private readonly servers: Map<ServerName, BenchServer>,
    private readonly pki: TopologyPki,
    private readonly topology: Topology,
  ) {}

  private dial(name: ServerName, identityId: string): Dial {
    const server = this.servers.get(name) as BenchServer;
    const address = `127.0.0.1:${server.port}`;
    if (!server.tls) return { address };
    const client = this.pki.clients.get(identityId);
    if (!client) throw new Error(`no identity ${identityId}`);
    const tls = { servername: "localhost", caPem: this.pki.ca.certPem };
    return { address, tls: name === "product" ? { ...tls, certPem: client.certPem, keyPem: client.keyPem } : tls };
  }

  private async run(name: ServerName, publishers: number, load: Load, measureLatency: boolean, warmup: number) {
    const expected = load.kind === "throughput" ? load.total : Math.round(load.perSecond * load.seconds);
    const timeoutMs = 120_000;
    const subscriber = startWorker(
      this.script,
      {
        role: "subscriber",
        dial: this.dial(name, "engine/tornado-engine"),
        subject: ENGINE_SUBJECT,
        expected,
        idleMs: 3000,
        warmup,
        measureLatency,
      },
      timeoutMs,
    );
    const collectors = this.topology.collectors.slice(0, publishers);
    const sender = startWorker(
      this.script,
      {
        role: "publishers",
        connections: collectors.map((collector) => ({
          dial: this.dial(name, `collector/${collector.name}`),
          // Collectors publish tornado.events into their tenant's account; without accounts the references carry the engine's subject.
          subject: name === "product" ? COLLECTOR_SUBJECT : engineSideSubject(collector.tenant),
          name: collector.name,
        })),
        load,
      },
      timeoutMs,
    );
    try {
      await Promise.all([subscriber.next(), sender.next()]); // both ready
      subscriber.send("go");
      sender.send("go");
      const [received, sent] = await Promise.all([
        subscriber.next<SubscriberReport>(),
        sender.next<PublishersReport>(),
      ]);
      return { received, sent };
    } finally {
      subscriber.kill();
      sender.kill();
    }
  }

  async throughput(name: ServerName, publishers: number, total: number) {
    const { received, sent } = await this.run(name, publishers, { kind: "throughput", total, batch: 1000 }, false, 0);
    const seconds = Number(BigInt(received.lastNs) - BigInt(sent.startedNs)) / 1e9;
    return {
      eventsPerSec: received.received / seconds,
      lost: sent.sent - received.received,
      malformed: received.malformed,
    };
  }

  async latency(name: ServerName, publishers: number, perSecond: number, seconds: number, warmupSeconds: number) {
    const load: Load = { kind: "rate", perSecond, seconds };
    const { received, sent } = await this.run(name, publishers, load, true, Math.round(perSecond * warmupSeconds));
    const latency = received.latency;
    if (!latency) throw new Error(`${name}: the subscriber measured no latency (received ${received.received})`);
    return {
      p50: latency.p50Us,
      p99: latency.p99Us,
      p999: latency.p999Us,
      max: latency.maxUs,
      samples: latency.samples,
      lost: sent.sent - received.received,
    };
  }
}
