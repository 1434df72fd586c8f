import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * Where the canary image's build context is, and the hash of what goes into
 * it. The context is this package's canary/ directory: a Dockerfile and the
 * bundle `npm run build` writes to canary/dist/ (so the image builds without
 * network access). The hash is the docker_image trigger: a code change
 * rebuilds the image and replaces the containers.
 */

export const CANARY_IMAGE_NAME = "tornado-nats-canary:local";
/** The base image build argument's default; change it with `BASE_IMAGE` for air-gapped registries. */
export const CANARY_DEFAULT_BASE_IMAGE = "node:20-alpine";
const CONTEXT_FILES = ["Dockerfile", "dist/tornado-nats-canary.js"];

let root: string | undefined;

/** The package root: the nearest directory upwards holding this package's package.json. */
function packageRoot(): string {
  if (root) return root;
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "cdktf-tornado-nats"
    ) {
      root = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the cdktf-tornado-nats package root (package.json)");
    dir = parent;
  }
}

export interface CanaryImageContext {
  readonly context: string;
  readonly contentHash: string;
}

/**
 * The last context and the size and modification time of the files it was
 * hashed from. Synth asks once per canary container, that is once per
 * collector; reading and hashing the bundle every time was a tenth of a
 * 1,000-collector synth. A rebuilt bundle changes the stamp, so a long-lived
 * process still sees the new hash.
 */
let last: { readonly stamp: string; readonly value: CanaryImageContext } | undefined;

export function canaryImageContext(): CanaryImageContext {
  const context = join(packageRoot(), "canary");
  const paths = CONTEXT_FILES.map((file) => join(context, file));
  for (const path of paths) {
    if (!existsSync(path)) {
      throw new Error(
        `the canary image needs ${path}; run "npm run build" (it bundles the canaries) and synthesize again`,
      );
    }
  }
  const stamp = paths
    .map((path) => {
      const stat = statSync(path);
      return `${path}:${stat.size}:${stat.mtimeMs}`;
    })
    .join("\n");
  if (last?.stamp === stamp) return last.value;
  const hash = createHash("sha256");
  CONTEXT_FILES.forEach((file, index) => {
    hash.update(file).update("\0").update(readFileSync(paths[index])).update("\0");
  });
  const value = { context, contentHash: hash.digest("hex") };
  last = { stamp, value };
  return value;
}
