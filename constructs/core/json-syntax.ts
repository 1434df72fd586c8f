/**
 * Where a JSON text first breaks the grammar, and why. JSON.parse knows, but
 * Node 20 reports some errors without a position and quotes the input
 * around it, which an error message must not do (the file may hold a
 * secret), so the topology loader finds the place itself.
 */

export interface JsonSyntaxError {
  /** Offset of the offending character (the text's length at an unexpected end). */
  readonly offset: number;
  readonly reason: string;
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Failure {
  constructor(readonly error: JsonSyntaxError) {}
}

/** The first syntax error of `text`, or undefined when it is one valid JSON value. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const fail = (reason: string): never => {
    throw new Failure({ offset: at, reason });
  };
  const found = (): string => {
    if (at >= text.length) return "the end of the file";
    return text[at] >= " " ? `'${text[at]}'` : JSON.stringify(text[at]);
  };
  const skipWhitespace = () => {
    while (at < text.length && WHITESPACE.has(text[at])) at += 1;
  };
  const expect = (char: string, what: string) => {
    skipWhitespace();
    if (text[at] !== char) fail(`expected ${what}, found ${found()}`);
    at += 1;
  };
  const string = () => {
    at += 1;
    for (;;) {
      if (at >= text.length) fail("unterminated string");
      const char = text[at];
      if (char === '"') break;
      if (char < " ") fail("a control character (such as a line break) inside a string");
      if (char === "\\") {
        const escaped = text[at + 1];
        if (escaped === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) at += 6;
        else if (escaped !== undefined && ESCAPES.has(escaped)) at += 2;
        else fail("an invalid escape sequence in a string");
      } else at += 1;
    }
    at += 1;
  };
  const sequence = (close: string, item: () => void, what: string) => {
    at += 1;
    skipWhitespace();
    if (text[at] === close) {
      at += 1;
      return;
    }
    for (;;) {
      item();
      skipWhitespace();
      if (text[at] === close) {
        at += 1;
        return;
      }
      if (text[at] !== ",") fail(`expected ',' or '${close}' after ${what}, found ${found()}`);
      at += 1;
      skipWhitespace();
      if (text[at] === close) fail(`a trailing comma before '${close}'`);
    }
  };
  const value = (): void => {
    skipWhitespace();
    const char = text[at];
    if (char === "{") {
      sequence(
        "}",
        () => {
          skipWhitespace();
          if (text[at] !== '"') fail(`expected a double-quoted property name, found ${found()}`);
          string();
          expect(":", "':' after a property name");
          value();
        },
        "a property value",
      );
    } else if (char === "[") sequence("]", value, "an array element");
    else if (char === '"') string();
    else if (text.startsWith("true", at)) at += 4;
    else if (text.startsWith("false", at)) at += 5;
    else if (text.startsWith("null", at)) at += 4;
    else {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text)) fail(`expected a value, found ${found()}`);
      at = NUMBER.lastIndex;
    }
  };
  try {
    value();
    skipWhitespace();
    if (at < text.length) fail(`unexpected ${found()} after the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof Failure) return error.error;
    throw error;
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, column: before[before.length - 1].length + 1 };
}
