import { DockerProvider } from "@cdktf/provider-docker/lib/provider";
import { TlsProvider } from "@cdktf/provider-tls/lib/provider";
import { TerraformStack, type App } from "cdktf";

/**
 * The synth floor: a stack holding only the two providers every topology
 * stack has, so what it costs is cdktf's and the providers' own start-up.
 */
export function floorStack(app: App): TerraformStack {
  const stack = new TerraformStack(app, "floor");
  new TlsProvider(stack, "tls");
  new DockerProvider(stack, "docker");
  return stack;
}
