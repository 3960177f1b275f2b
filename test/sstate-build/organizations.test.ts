// Issue 13's "done when": two organizations on this machine share shared state through HTTP
// mirrors, each with its own user, umask, path and key. Org A builds and publishes; org B
// (user `nobody` when the test runs as root, else another HOME; umask 077) trusts A's key for
// A's mirror only and builds the same target from it, compiling nothing; an object on A's mirror
// signed by a key B trusts for another mirror is refused; with SSTATE_REQUIRED_SIGNATURES = "2"
// A's objects (signed once) are refused and rebuilt, B attests them and republishes them on its
// own mirror, where a third organization requiring two signatures accepts every one; and an
// equivalence made in A's build directory reaches a fresh build directory of B through the
// mirror alone.
import test from "ava";
import { execFileSync, spawn } from "node:child_process";
import { chmodSync, cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMetadata, encodeMetadata, generateKeyPair, loadSigningKey, sign, startMirrorServer } from "../../lib/sstate/index.js";
import { fixture, repo, trace, write, type Fixture, type Run } from "./fixture.js";
import { nobodyCanRead } from "../helpers/other-user.js";

const chain = ["w", "x", "y", "z"];
const ALL_RAN = chain.flatMap((pn) => [`${pn}:do_compile`, `${pn}:do_install`]).sort();

interface Org {
  readonly name: string;
  readonly home: string;
  readonly uid?: number;
  readonly gid?: number;
  readonly umask: string;
}

function nobody(): { uid: number; gid: number } | null {
  if (!nobodyCanRead(join(repo, "bin/bake.js"))) return null;
  try {
    return { uid: Number(execFileSync("id", ["-u", "nobody"], { encoding: "utf8" })), gid: Number(execFileSync("id", ["-g", "nobody"], { encoding: "utf8" })) };
  } catch {
    return null;
  }
}

/** bake as the organization's user, with its umask, HOME and XDG_CONFIG_HOME. */
function bakeAs(org: Org, cwd: string, args: string[]): Promise<Run & { seconds: number }> {
  const t0 = process.hrtime.bigint();
  return new Promise((resolvePromise) => {
    const child = spawn("sh", ["-c", `umask ${org.umask} && exec "$0" "$@"`, process.execPath, join(repo, "bin/bake.js"), ...args], {
      cwd,
      env: { ...process.env, BB_NUMBER_THREADS: "1", HOME: org.home, XDG_CONFIG_HOME: join(org.home, ".config"), USER: org.name },
      ...(org.uid === undefined ? {} : { uid: org.uid, gid: org.gid! }),
    });
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    child.stderr.on("data", (b) => (out += b));
    const timer = setTimeout(() => child.kill("SIGKILL"), 180_000);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolvePromise({ code, out, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}

function buildDir(f: Fixture, org: Org, name: string, localConf: string[]): string {
  const build = join(org.home, name);
  write(join(build, "conf/bblayers.conf"), `BBPATH = "\${TOPDIR}"\nBBFILES ?= ""\nBBLAYERS = "${join(repo, "meta-core")} ${f.layer}"\n`);
  write(join(build, "conf/local.conf"), ['MACHINE ??= "qemux86-64"', 'BB_HASHSERVE = "auto"', ...localConf, ""].join("\n"));
  if (org.uid !== undefined) execFileSync("chown", ["-R", `${org.uid}:${org.gid}`, org.home]);
  return build;
}

const refusals = (out: string, reason: string) => (out.match(new RegExp(`sstate object refused \\(${reason}\\)`, "g")) ?? []).length;

test("two organizations: a mirror with per-mirror keys, a refused stranger, k = 2 with attestations, equivalences through the mirror", async (t) => {
  const f = fixture({ ccChain: chain, ccShare: true });
  t.teardown(f.cleanup);
  chmodSync(f.root, 0o755);
  const other = nobody();
  const mk = (name: string, umask: string, user: { uid: number; gid: number } | null): Org => {
    const home = join(f.root, name);
    mkdirSync(home, { recursive: true });
    return { name, home, umask, ...(user ? { uid: user.uid, gid: user.gid } : {}) };
  };
  const A = mk("org-a", "022", null);
  const B = mk("org-b", "077", other);
  const C = mk("org-c", "027", null);
  t.log(other ? "org B runs as user nobody" : "not root: org B is another HOME and umask under the same user");

  // Org A: its user's own key (made on first use), the default SSTATE_DIR.
  const a = buildDir(f, A, "build", []);
  const first = await bakeAs(A, a, ["z"]);
  t.is(first.code, 0, first.out);
  t.regex(first.out, /Wanted 4 Local 0 Mirrors 0 Missed 4/);
  const keyDir = join(A.home, ".config/bake/sstate-key");
  // A hands out its public key (its key directory is private to its user).
  const aPub = join(f.root, "org-a.pub");
  cpSync(join(keyDir, readdirSync(keyDir).find((n) => n.endsWith(".pub"))!), aPub);
  // Issue 20: inside its build directory, verify trusts what the build trusts (the user's key).
  const verified = await bakeAs(A, a, ["sstate", "verify", "sstate-cache"]);
  t.is(verified.code, 0, verified.out);
  t.regex(verified.out, /4 objects: 4 ok, 0 refused, 0 uncommitted/);

  const mirrorA = join(f.root, "mirror-a");
  const pushed = await bakeAs(A, a, ["sstate", "push", mirrorA]);
  t.is(pushed.code, 0, pushed.out);
  t.regex(pushed.out, /4 objects: 4 pushed/);
  const serveA = await startMirrorServer({ root: mirrorA, bind: "127.0.0.1:0" });
  t.teardown(() => serveA.close());

  // Another mirror B trusts a key for: an object of A's signed by that key is refused on A's mirror.
  const mirrorC = join(f.root, "mirror-c");
  mkdirSync(mirrorC);
  const serveC = await startMirrorServer({ root: mirrorC, bind: "127.0.0.1:0" });
  t.teardown(() => serveC.close());
  const keys = join(f.root, "keys");
  const cKey = generateKeyPair(keys, "org-c-mirror");
  chmodSync(keys, 0o755); // the public half is for others to read
  const bKey = join(B.home, "keys/org-b.key");
  mkdirSync(join(B.home, "keys"), { recursive: true });
  if (B.uid !== undefined) execFileSync("chown", ["-R", `${B.uid}:${B.gid}`, B.home]);
  const keygen = await bakeAs(B, B.home, ["sstate", "keygen", "org-b", "--dir", join(B.home, "keys")]);
  t.is(keygen.code, 0, keygen.out);
  const bPub = join(B.home, "keys/org-b.pub");

  const fromA = [
    `SSTATE_MIRRORS = "file://.* ${serveA.url}PATH file://.* ${serveC.url}PATH"`,
    `SSTATE_TRUSTED_KEYS = "${serveA.url}=${aPub} ${serveC.url}=${cKey.pubFile}"`,
    `SSTATE_SIGNING_KEY = "${bKey}"`,
  ];
  const b1 = buildDir(f, B, "build", fromA);
  const second = await bakeAs(B, b1, ["z"]);
  t.is(second.code, 0, second.out);
  t.regex(second.out, /Sstate summary: Wanted 4 Local 0 Mirrors 4 Missed 0 Current 0 \(100% match/);
  t.deepEqual(trace(b1), [], "org B compiled nothing");
  const verifiedB = await bakeAs(B, b1, ["sstate", "verify", "sstate-cache"]);
  t.is(verifiedB.code, 0, verifiedB.out);

  // x re-signed on A's mirror by the key B trusts for mirror C only.
  const xMeta = readdirSync(mirrorA, { recursive: true }).map(String).find((p) => p.includes("sstate:x:") && p.endsWith(".siginfo"))!;
  const m = decodeMetadata(readFileSync(join(mirrorA, xMeta), "utf8"));
  if (!m.ok) return t.fail(m.detail);
  const original = readFileSync(join(mirrorA, xMeta), "utf8");
  writeFileSync(join(mirrorA, xMeta), encodeMetadata({ ...m.metadata, signatures: [sign(m.metadata, loadSigningKey(cKey.keyFile))] }));
  const b2 = buildDir(f, B, "build-2", fromA);
  const stranger = await bakeAs(B, b2, ["z"]);
  writeFileSync(join(mirrorA, xMeta), original);
  t.is(stranger.code, 0, stranger.out);
  t.regex(stranger.out, /x:do_populate_sysroot: sstate object refused \(untrusted-key\): http:\/\/127\.0\.0\.1:\d+\/.*sstate:x:.*\.siginfo: signed by .*; org-c-mirror is trusted for http:\/\/127\.0\.0\.1:\d+\/ only/);
  t.is(refusals(stranger.out, "[a-z-]+"), 1);
  t.deepEqual(trace(b2), ["x:do_compile", "x:do_install"], "only the refused object's recipe was rebuilt");

  // k = 2: A's objects carry one signature; B's reproducer build refuses and rebuilds them all.
  const b3 = buildDir(f, B, "build-k2", [...fromA, 'SSTATE_REQUIRED_SIGNATURES = "2"']);
  const k2 = await bakeAs(B, b3, ["z"]);
  t.is(k2.code, 0, k2.out);
  t.is(refusals(k2.out, "too-few-signatures"), 4, k2.out);
  t.deepEqual(trace(b3), ALL_RAN);
  // B attests A's objects (its copies in b1's SSTATE_DIR) with the bytes it built, and publishes them.
  const attest = await bakeAs(B, b3, ["sstate", "attest", join(b1, "sstate-cache")]);
  t.is(attest.code, 0, attest.out);
  t.regex(attest.out, /attested 4 with org-b .*0 built here with other bytes/);
  const mirrorB = join(B.home, "mirror");
  const pushB = await bakeAs(B, b1, ["sstate", "push", mirrorB]);
  t.is(pushB.code, 0, pushB.out);
  const serveB = await startMirrorServer({ root: mirrorB, bind: "127.0.0.1:0" });
  t.teardown(() => serveB.close());

  // A third organization, requiring two signatures of keys it trusts for B's mirror.
  const c = buildDir(f, C, "build", [
    `SSTATE_MIRRORS = "file://.* ${serveB.url}PATH"`,
    `SSTATE_TRUSTED_KEYS = "${serveB.url}=${aPub} ${serveB.url}=${bPub}"`,
    'SSTATE_REQUIRED_SIGNATURES = "2"',
  ]);
  const third = await bakeAs(C, c, ["z"]);
  t.is(third.code, 0, third.out);
  t.regex(third.out, /Sstate summary: Wanted 4 Local 0 Mirrors 4 Missed 0 Current 0 \(100% match/);
  t.is(refusals(third.out, "[a-z-]+"), 0, third.out);
  t.deepEqual(trace(c), []);

  // An equivalence made in A's build directory travels through the mirror: w's code changes, not its output.
  const recipe = join(f.layer, "recipes-st/w/w_1.0.bb");
  writeFileSync(recipe, readFileSync(recipe, "utf8").replace("-O2 -o", "-O2  -o"));
  const again = await bakeAs(A, a, ["z"]);
  t.is(again.code, 0, again.out);
  t.regex(again.out, /w:do_populate_sysroot: output equivalent to an earlier build/);
  const pushAgain = await bakeAs(A, a, ["sstate", "push", mirrorA]);
  t.regex(pushAgain.out, /0 pushed .* 4 already there.*; equivalence records: 1 pushed/);
  const b4 = buildDir(f, B, "build-after", fromA);
  const fourth = await bakeAs(B, b4, ["z"]);
  t.is(fourth.code, 0, fourth.out);
  t.regex(fourth.out, /Sstate summary: Wanted 4 Local 0 Mirrors 4 Missed 0 Current 0 \(100% match/);
  t.deepEqual(trace(b4), [], "B's fresh build directory, whose server never saw the equivalence, compiled nothing");

  t.log(
    `times (s): A first build ${first.seconds.toFixed(1)}, B from A's mirror ${second.seconds.toFixed(1)}, B with a stranger's object ${stranger.seconds.toFixed(1)}, ` +
      `B k=2 rebuild ${k2.seconds.toFixed(1)}, C (k=2) from B's mirror ${third.seconds.toFixed(1)}, B after A's equivalence ${fourth.seconds.toFixed(1)}`,
  );
  t.log(`refused: stranger-signed 1 (untrusted-key), k=2 before attestation 4 (too-few-signatures), C after attestation 0`);
});
