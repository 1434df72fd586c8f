import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
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

/** The package root: the nearest directory upwards holding this package's package.json. */
function packageRoot(): string {
  let dir = __dirname;
  for (;;) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === "cdktf-tornado-nats"
    ) {
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

export function canaryImageContext(): CanaryImageContext {
  const context = join(packageRoot(), "canary");
  const hash = createHash("sha256");
  for (const file of CONTEXT_FILES) {
    const path = join(context, file);
    if (!existsSync(path)) {
      throw new Error(
        `the canary image needs ${path}; run "npm run build" (it bundles the canaries) and synthesize again`,
      );
    }
    hash.update(file).update("\0").update(readFileSync(path)).update("\0");
  }
  return { context, contentHash: hash.digest("hex") };
}
