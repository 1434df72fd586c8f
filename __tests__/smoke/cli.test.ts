import { parseCli, runSmokeCli, USAGE } from "../../smoke/cli";
import { runSmoke } from "../../smoke/run-smoke";
import { SmokeInputError } from "../../smoke/smoke-input-error";

/** The command line: options, usage errors, exit codes for inputs it cannot use. */

function capture(): { io: Parameters<typeof runSmokeCli>[1]; out: () => string; err: () => string } {
  let stdout = "";
  let stderr = "";
  return {
    io: {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
    out: () => stdout,
    err: () => stderr,
  };
}

test("GIVEN every option THEN they map onto the smoke options", () => {
  expect(
    parseCli([
      "--stack",
      "tornado",
      "--outputs",
      "out.json",
      "--server",
      "10.0.0.5:4222",
      "--servername",
      "nats.example.net",
      "--timeout",
      "8000",
      "--json",
    ]),
  ).toEqual({
    help: false,
    json: true,
    options: {
      stack: "tornado",
      outputsFile: "out.json",
      server: "10.0.0.5:4222",
      servername: "nats.example.net",
      eventTimeoutMs: 8000,
    },
  });
  expect(parseCli([])).toEqual({ help: false, json: false, options: {} });
});

test.each([
  [["--outptus", "x.json"], /^Unknown option '--outptus'/],
  [["--timeout", "soon"], /^--timeout "soon": give milliseconds from 100 to 600000$/],
  [["--timeout", "50"], /^--timeout "50": give milliseconds from 100 to 600000$/],
  [["--stack", " "], /^--stack needs a value$/],
  [["extra"], /^Unexpected argument 'extra'/],
])("GIVEN %j THEN a usage error names it", (argv, message) => {
  expect(() => parseCli(argv)).toThrow(SmokeInputError);
  expect(() => parseCli(argv)).toThrow(message);
});

test("GIVEN --help THEN the usage is printed and the exit code is 0", async () => {
  const { io, out } = capture();
  expect(await runSmokeCli(["--help"], io)).toBe(0);
  expect(out()).toBe(USAGE);
});

test("GIVEN outputs that cannot be read THEN exit code 2 and the operator's next step, without a stack trace", async () => {
  const { io, out, err } = capture();
  expect(await runSmokeCli(["--outputs", "/nonexistent/outputs.json"], io)).toBe(2);
  expect(out()).toBe("");
  expect(err()).toBe(
    "smoke: Cannot read the outputs file /nonexistent/outputs.json (ENOENT). Write it with " +
      "`cdktf deploy --outputs-file FILE --outputs-file-include-sensitive-outputs`, or omit --outputs to read the " +
      "outputs from `terraform output -json`.\n",
  );
});

test("GIVEN --json and an input error THEN the JSON on stdout says so too, for CI", async () => {
  const { io, out } = capture();
  expect(await runSmokeCli(["--json", "--outputs", "/nonexistent/outputs.json"], io)).toBe(2);
  expect(JSON.parse(out())).toEqual({ ok: false, error: expect.stringContaining("Cannot read the outputs file") });
});

test("GIVEN runSmoke with no outputs, or with a --server that is not host:port, THEN it rejects before touching the network", async () => {
  await expect(runSmoke({ outputs: {} })).rejects.toThrow(
    "the `outputs` option holds no outputs (is the stack deployed?). Run `cdktf deploy` first, or pass `--outputs FILE`.",
  );
  await expect(
    runSmoke({ outputs: { nats_urls: { sensitive: false, type: "string", value: "x" } }, server: "no-port" }),
  ).rejects.toThrow('--server "no-port" is not host:port (e.g. nats.example.net:4222)');
});

test("GIVEN --resolve for each server THEN they map onto `resolve`, name to address", () => {
  expect(
    parseCli(["--resolve", "nats-1.example.net=10.0.0.11:4222", "--resolve", "sat.example.net=[fd00::5]:4222"]).options,
  ).toEqual({ resolve: { "nats-1.example.net": "10.0.0.11:4222", "sat.example.net": "[fd00::5]:4222" } });
});

test.each([
  [
    ["--resolve", "10.0.0.11:4222"],
    /^--resolve "10.0.0.11:4222": give NAME=HOST:PORT, e.g. nats-2.example.net=10.0.0.12:4222$/,
  ],
  [["--resolve", "=10.0.0.11:4222"], /^--resolve "=10.0.0.11:4222": give NAME=HOST:PORT/],
  [["--resolve", "nats-1.example.net="], /^--resolve "nats-1.example.net=": give NAME=HOST:PORT/],
  [
    ["--resolve", "n.example.net=10.0.0.1:4222", "--resolve", "n.example.net=10.0.0.2:4222"],
    /^--resolve n.example.net: given twice \(10.0.0.1:4222 and 10.0.0.2:4222\)$/,
  ],
])("GIVEN %j THEN a usage error names it", (argv, message) => {
  expect(() => parseCli(argv)).toThrow(message);
});

test("GIVEN runSmoke with a --resolve address that is not host:port THEN it rejects before reading the outputs", async () => {
  await expect(runSmoke({ outputs: {}, resolve: { "nats.example.net": "10.0.0.5" } })).rejects.toThrow(
    '--resolve nats.example.net=10.0.0.5: "10.0.0.5" is not host:port',
  );
});
