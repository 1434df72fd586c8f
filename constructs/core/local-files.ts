import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** A file on the machine running synth, to upload with `source` + `source_hash` (its content stays out of state). */
export interface LocalFile {
  /** Absolute path on this machine. */
  readonly source: string;
  /** Path relative to the directory it was found in, with '/' separators. */
  readonly relativePath: string;
  readonly sha256: string;
}

/** Every regular file under `dir`, sorted, with its content hash. Throws a clear error when `dir` is not a directory. */
export function filesUnder(dir: string, what: string): LocalFile[] {
  let isDirectory = false;
  try {
    isDirectory = statSync(dir).isDirectory();
  } catch {
    isDirectory = false;
  }
  if (!isDirectory) throw new Error(`${what}: ${dir} is not a readable directory`);
  const found: LocalFile[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) {
        found.push({
          source: path,
          relativePath: relative(dir, path).split(sep).join("/"),
          sha256: createHash("sha256").update(readFileSync(path)).digest("hex"),
        });
      }
    }
  };
  walk(dir);
  return found;
}
