import { inspect } from "node:util";

/**
 * A secret (a private key, a webhook token) held in memory only. It prints
 * as "[secret]" whichever way it is printed (template string, console.log,
 * JSON.stringify), so an error message or a debug log cannot leak it by
 * accident; `reveal()` is the one way to read it, used where it is handed to
 * TLS or put into a request.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[secret]";
  }

  toJSON(): string {
    return "[secret]";
  }

  [inspect.custom](): string {
    return "[secret]";
  }
}
