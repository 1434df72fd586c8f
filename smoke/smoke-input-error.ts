/**
 * The smoke test could not start: its inputs (the deployment's outputs, the
 * command line) are missing or wrong. The message says what was tried and
 * what to do, and never contains key material. The CLI prints it without a
 * stack trace and exits 2, so CI can tell "could not run" from "failed".
 */
export class SmokeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SmokeInputError";
  }
}
