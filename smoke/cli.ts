import { parseArgs } from "node:util";
import { runSmoke, type SmokeOptions } from "./run-smoke";
import { SmokeInputError } from "./smoke-input-error";
import { exitCodeOf, formatReport, formatReportJson } from "./smoke-report";

/**
 * `npm run smoke [-- options]`: runs the smoke test and prints the table (or
 * JSON). Exit codes: 0 nothing failed, 1 a check failed, 2 the smoke test
 * could not run (missing outputs, bad options).
 */

export const USAGE = `Usage: npm run smoke -- [options]

Proves, right after \`cdktf deploy\`, that the secured topology works and denies what it must.

Inputs (default: \`terraform output -json\` in cdktf.out/stacks/<stack>; TERRAFORM_BINARY_NAME is honoured):
  --stack NAME          the stack to test (needed when cdktf.out holds several)
  --outputs FILE        read the outputs from FILE, written by
                        cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs
Target (default: the first of nats_urls, verified as nats_server_name):
  --server HOST:PORT    dial this address instead (running from another machine)
  --servername NAME     verify the server certificate for this DNS name
  --resolve NAME=HOST:PORT
                        dial HOST:PORT for the server whose URL names NAME, still verifying
                        its certificate for NAME (repeat it for each node of a cluster and
                        each satellite that NAME does not resolve for from here)
Output:
  --json                print a machine-readable report
  --timeout MS          how long an event may take to reach an engine or reader (default 5000)
  --help                show this text

Exit code: 0 when no check failed, 1 when one did, 2 when the smoke test could not run.
`;

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface ParsedCli {
  readonly help: boolean;
  readonly json: boolean;
  readonly options: SmokeOptions;
}

/** Parses the command line; throws SmokeInputError naming the bad argument. */
export function parseCli(argv: readonly string[]): ParsedCli {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        outputs: { type: "string" },
        server: { type: "string" },
        servername: { type: "string" },
        resolve: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    throw new SmokeInputError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values } = parsed;
  let eventTimeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    eventTimeoutMs = Number(values.timeout);
    if (!Number.isInteger(eventTimeoutMs) || eventTimeoutMs < 100 || eventTimeoutMs > 600_000) {
      throw new SmokeInputError(`--timeout ${JSON.stringify(values.timeout)}: give milliseconds from 100 to 600000`);
    }
  }
  for (const name of ["stack", "outputs", "server", "servername"] as const) {
    if (values[name] !== undefined && values[name].trim() === "") {
      throw new SmokeInputError(`--${name} needs a value`);
    }
  }
  const resolve: Record<string, string> = {};
  for (const entry of values.resolve ?? []) {
    const separator = entry.indexOf("=");
    const name = separator > 0 ? entry.slice(0, separator).trim() : "";
    const address = separator > 0 ? entry.slice(separator + 1).trim() : "";
    if (name === "" || address === "") {
      throw new SmokeInputError(
        `--resolve ${JSON.stringify(entry)}: give NAME=HOST:PORT, e.g. nats-2.example.net=10.0.0.12:4222`,
      );
    }
    if (resolve[name] !== undefined && resolve[name] !== address) {
      throw new SmokeInputError(`--resolve ${name}: given twice (${resolve[name]} and ${address})`);
    }
    resolve[name] = address;
  }
  return {
    help: values.help,
    json: values.json,
    options: {
      ...(values.stack !== undefined ? { stack: values.stack } : {}),
      ...(values.outputs !== undefined ? { outputsFile: values.outputs } : {}),
      ...(values.server !== undefined ? { server: values.server } : {}),
      ...(values.servername !== undefined ? { servername: values.servername } : {}),
      ...(Object.keys(resolve).length > 0 ? { resolve } : {}),
      ...(eventTimeoutMs !== undefined ? { eventTimeoutMs } : {}),
    },
  };
}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function runSmokeCli(argv: readonly string[], io: CliIo): Promise<number> {
  let json = argv.includes("--json");
  try {
    const cli = parseCli(argv);
    json = cli.json;
    if (cli.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const report = await runSmoke({
      ...cli.options,
      ...(io.env ? { env: io.env } : {}),
      ...(io.cwd ? { projectDir: io.cwd } : {}),
    });
    io.stdout.write(json ? formatReportJson(report) : formatReport(report));
    return exitCodeOf(report);
  } catch (error) {
    const message = error instanceof SmokeInputError ? error.message : `unexpected error: ${(error as Error)?.stack}`;
    if (json) io.stdout.write(`${JSON.stringify({ ok: false, error: message }, null, 2)}\n`);
    io.stderr.write(`smoke: ${message}\n`);
    return 2;
  }
}

if (require.main === module) {
  void runSmokeCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
