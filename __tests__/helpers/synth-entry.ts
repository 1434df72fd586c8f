import { synthApp } from "../../stacks/synth-app";

/**
 * `main.ts` in-process: synthApp with TORNADO_TOPOLOGY=`file` into `outdir`.
 * What it prints is captured, and so is anything written to the process's
 * own stdout and stderr meanwhile (a stray console.log or warning counts as
 * printed output too).
 */
export function synthEntry(file: string, outdir: string): { code: number; output: string } {
  let output = "";
  const capture = (text: string | Uint8Array) => {
    output += typeof text === "string" ? text : Buffer.from(text).toString("utf8");
    return true;
  };
  const { write: stdoutWrite } = process.stdout;
  const { write: stderrWrite } = process.stderr;
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
  try {
    const code = synthApp({ env: { TORNADO_TOPOLOGY: file }, outdir, stderr: { write: capture } });
    return { code, output };
  } finally {
    process.stdout.write = stdoutWrite;
    process.stderr.write = stderrWrite;
  }
}
