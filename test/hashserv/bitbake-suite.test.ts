// BitBake's own hash-equivalence test suite (lib/hashserv/tests.py, its "external server" class,
// with users) against bake's server and against bitbake-hashserv, configured alike: the two must
// give the same result for every test. Runs where $BITBAKE_DIR names a BitBake checkout (and
// python3 is on PATH); skipped elsewhere.
import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import test from "ava";
import { server, tempDir } from "./helpers.js";

const run = promisify(execFile);
const bitbake = process.env.BITBAKE_DIR;
const available = bitbake !== undefined && existsSync(path.join(bitbake, "lib/hashserv/tests.py"));
const suite = available ? test : test.skip;
if (!available) console.log("BITBAKE_DIR not set to a BitBake checkout: skipping BitBake's hashserv test suite");

const ADMIN = { user: "admin", password: "pw" };
// The suite's tests of invalid unihashes read anonymously, so anonymous clients must read: the
// default of bake's server, given explicitly to bitbake-hashserv.
const ANON = "@read";

type Results = Map<string, string>;

/** Runs TestHashEquivalenceExternalServer against ADDRESS; "test name" → ok / FAIL / ERROR / skipped. */
async function bitbakeSuite(address: string): Promise<Results> {
  const env = {
    ...process.env,
    PYTHONDONTWRITEBYTECODE: "1", // the checkout stays untouched
    BB_TEST_HASHSERV: address,
    BB_TEST_HASHSERV_USERNAME: ADMIN.user,
    BB_TEST_HASHSERV_PASSWORD: ADMIN.password,
  };
  let stderr: string;
  try {
    ({ stderr } = await run("python3", ["-m", "unittest", "-v", "hashserv.tests.TestHashEquivalenceExternalServer"], {
      cwd: path.join(bitbake!, "lib"),
      env,
      timeout: 300_000,
      maxBuffer: 64 << 20,
    }));
  } catch (e) {
    stderr = (e as { stderr?: string }).stderr ?? "";
  }
  const results: Results = new Map();
  // "test_x (hashserv.tests.…External….test_x) ... ok"; a test's own output (warnings, thread
  // tracebacks) can come between the name and the verdict, which then starts a line.
  const sections = stderr.split(/^(?=test_\w+ \()/m).filter((x) => /^test_\w+ \(/.test(x));
  for (const sec of sections) {
    const verdict = /(?:\.\.\. |^)(ok|FAIL|ERROR|skipped)(?: '[^'\n]*')?$/m.exec(sec);
    results.set(/^test_\w+/.exec(sec)![0], verdict?.[1] ?? "unknown");
  }
  if (results.size === 0) throw new Error(`no results from BitBake's suite:\n${stderr.slice(-3000)}`);
  return results;
}

suite("BitBake's hashserv test suite gives the same results against bake's server as against bitbake-hashserv", async (t) => {
  const dir = await tempDir(t);
  const bake = await server(t, { anonPermissions: [ANON], adminUser: ADMIN.user, adminPassword: ADMIN.password });
  const ours = await bitbakeSuite(bake.address);

  const port = 20000 + Math.floor(Math.random() * 20000);
  const theirs = spawn(
    "python3",
    [path.join(bitbake!, "bin/bitbake-hashserv"), "--bind", `127.0.0.1:${port}`, "--database", path.join(dir, "bb.sqlite"), "--admin-user", ADMIN.user, "--admin-password", ADMIN.password, "--anon-perms", ANON],
    { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
  );
  t.teardown(() => void theirs.kill());
  let log = "";
  theirs.stderr.on("data", (d: Buffer) => (log += d.toString()));
  // It says nothing when it is ready: wait until the port answers.
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const sock = connect(port, "127.0.0.1", () => {
        sock.destroy();
        resolve(true);
      });
      sock.once("error", () => resolve(false));
    });
    if (up) break;
    if (i > 200 || theirs.exitCode !== null) throw new Error(`bitbake-hashserv did not start: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const reference = await bitbakeSuite(`127.0.0.1:${port}`);

  const count = (r: Results, v: string) => [...r.values()].filter((x) => x === v).length;
  t.log(`${ours.size} tests: bake ${count(ours, "ok")} ok, ${count(ours, "skipped")} skipped, ${count(ours, "FAIL") + count(ours, "ERROR")} failed; bitbake-hashserv ${count(reference, "ok")} ok`);
  t.log(`failing against both: ${[...ours].filter(([, v]) => v === "FAIL" || v === "ERROR").map(([k]) => k).join(", ")}`);
  t.is(ours.size, 42);
  t.deepEqual(Object.fromEntries(ours), Object.fromEntries(reference));
});
