import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { NO_OUTPUTS_ADVICE, selectOutputs } from "./output-shapes";
import { parseDeployedTopology, type DeployedTopology } from "./deployed-topology";
import { SmokeInputError } from "./smoke-input-error";

/**
 * Where the smoke test gets the deployment's outputs: by default from
 * `terraform output -json` in the synthesized stack's directory (the values
 * stay in this process's memory and are never written anywhere), or from the
 * file `cdktf deploy --outputs-file` wrote.
 */

export interface OutputsLocation {
  /** A cdktf outputs file (or saved `terraform output -json`); when absent, Terraform is asked. */
  readonly outputsFile?: string;
  /** The stack to read; needed when there is more than one. */
  readonly stack?: string;
  /** The cdktf project directory. @default process.cwd() */
  readonly projectDir?: string;
  /** cdktf's output directory, relative to projectDir. @default "cdktf.out" */
  readonly outdir?: string;
  /** Environment for Terraform (PATH, TERRAFORM_BINARY_NAME, TF_*). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** How long `terraform output -json` may take. @default 60000 */
  readonly terraformTimeoutMs?: number;
}

export async function loadDeployedTopology(location: OutputsLocation): Promise<DeployedTopology> {
  if (location.outputsFile !== undefined) return readOutputsFile(location.outputsFile, location.stack);
  return readTerraformOutputs(location);
}

export function readOutputsFile(file: string, stack?: string): DeployedTopology {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SmokeInputError(
      `Cannot read the outputs file ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). ` +
        "Write it with `cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`, " +
        "or omit --outputs to read the outputs from `terraform output -json`.",
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new SmokeInputError(`The outputs file ${file} is not JSON: ${(error as Error).message}.`);
  }
  const selected = selectOutputs(raw, file, stack);
  const source = `${file} (${selected.shape}${selected.stack ? `, stack ${selected.stack}` : ""})`;
  return parseDeployedTopology(selected.values, { source, shape: selected.shape });
}

/** The synthesized stacks in cdktf's output directory, from its manifest. */
function synthesizedStacks(outdirPath: string): string[] {
  const manifest = join(outdirPath, "manifest.json");
  if (existsSync(manifest)) {
    try {
      const parsed = JSON.parse(readFileSync(manifest, "utf8")) as { stacks?: Record<string, unknown> };
      return Object.keys(parsed.stacks ?? {});
    } catch {
      // An unreadable manifest: fall back to the directory listing.
    }
  }
  const stacksDir = join(outdirPath, "stacks");
  return existsSync(stacksDir)
    ? readdirSync(stacksDir).filter((name) => statSync(join(stacksDir, name)).isDirectory())
    : [];
}

function chooseStack(outdirPath: string, shownOutdir: string, stack: string | undefined): string {
  const stacks = synthesizedStacks(outdirPath);
  if (stack !== undefined) {
    if (!existsSync(join(outdirPath, "stacks", stack))) {
      throw new SmokeInputError(
        `No synthesized stack "${stack}" in ${shownOutdir}/stacks (found: ${stacks.join(", ") || "none"}); ` +
          `${NO_OUTPUTS_ADVICE}.`,
      );
    }
    return stack;
  }
  if (stacks.length === 1) return stacks[0];
  if (stacks.length === 0) {
    throw new SmokeInputError(`No synthesized stack in ${shownOutdir}; ${NO_OUTPUTS_ADVICE}.`);
  }
  throw new SmokeInputError(`${shownOutdir} holds several stacks (${stacks.join(", ")}); pick one with --stack NAME.`);
}

/** Runs `<terraform> output -json` in the stack's directory and keeps what it prints in memory. */
export async function readTerraformOutputs(location: OutputsLocation): Promise<DeployedTopology> {
  const env = location.env ?? process.env;
  const projectDir = resolve(location.projectDir ?? process.cwd());
  const outdir = location.outdir ?? "cdktf.out";
  const outdirPath = resolve(projectDir, outdir);
  // Paths are shown relative to the project, where the operator runs the smoke test.
  const shownOutdir = relative(projectDir, outdirPath) || ".";
  const stack = chooseStack(outdirPath, shownOutdir, location.stack);
  const stackDir = join(outdirPath, "stacks", stack);
  const binary = env.TERRAFORM_BINARY_NAME || "terraform";
  const command = `${binary} output -json`;
  const where = `${command} in ${relative(projectDir, stackDir)}`;

  const { code, stdout, stderr, error } = await run(binary, ["output", "-json"], {
    cwd: stackDir,
    env,
    timeoutMs: location.terraformTimeoutMs ?? 60_000,
  });
  if (error) {
    throw new SmokeInputError(
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? `\`${binary}\` was not found on PATH. Install Terraform (or set TERRAFORM_BINARY_NAME=tofu for OpenTofu), ` +
            "or pass `--outputs FILE` written by `cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`."
        : `${where} failed: ${error.message}. Or pass \`--outputs FILE\`.`,
    );
  }
  if (code !== 0) {
    throw new SmokeInputError(
      `${where} exited with ${code}: ${lastLines(stderr)}\n` +
        `Run \`cdktf deploy ${stack}\` first (it initializes and applies the stack), or pass \`--outputs FILE\`.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(stdout);
  } catch {
    // Do not echo stdout: it holds private keys.
    throw new SmokeInputError(`${where} did not print JSON (${stdout.length} characters).`);
  }
  const selected = selectOutputs(raw, `${where} (stack ${stack})`);
  return parseDeployedTopology(selected.values, { source: `${where} (stack ${stack})`, shape: selected.shape });
}

function lastLines(text: string, count = 6): string {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .filter((line) => line.trim() !== "");
  return lines.length === 0 ? "(no error output)" : lines.slice(-count).join("\n");
}

interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly error?: Error;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<RunResult> {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    let stderr = "";
    let settled = false;
    const finish = (result: RunResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolveRun(result);
    };
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      finish({ code: null, stdout: "", stderr, error: new Error(`no answer within ${options.timeoutMs} ms`) });
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.once("error", (error) => finish({ code: null, stdout: "", stderr, error }));
    child.once("close", (code) => finish({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr }));
  });
}
