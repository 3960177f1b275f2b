// bake layers fetch / lock / status against real git repositories made by the test.
import test from "ava";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BLOCK_BEGIN, parseLockFile } from "../../lib/setup/index.js";
import { bakeLayers, git, layerConf, makeRemote, makeTopdir, tempRoot, writeLayersJson } from "./helpers.js";

function entry(url: string, revision?: string, extra: Record<string, unknown> = {}) {
  return { name: "meta-two", url, branch: "main", ...(revision ? { revision } : {}), sublayers: ["meta-a", "meta-b"], ...extra };
}

function head(topdir: string): string {
  return git(join(topdir, "layers", "meta-two"), "rev-parse", "HEAD");
}

test("fetch at the pinned revision, lock, a newer pin, status reports the difference until relocked", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  const [first, second] = remote.commits as [string, string];
  writeLayersJson(topdir, [entry(remote.url, first)]);

  const fetched = await bakeLayers(topdir, ["fetch"]);
  t.is(fetched.code, 0, fetched.stderr);
  t.is(head(topdir), first);
  t.regex(fetched.stdout, /meta-two: at [0-9a-f]{12}, the pinned revision/);
  t.regex(fetched.stdout, /layers checked .*: core, bootstrap, containers, a, b/);
  const conf = readFileSync(join(topdir, "conf", "bblayers.conf"), "utf8");
  t.true(conf.includes(BLOCK_BEGIN));
  t.true(conf.includes('MY_SETTING = "kept"'), "hand edits outside the block survive");
  t.true(conf.includes("# my build"));
  const listed = conf.split("\n").filter((l) => l.includes("${TOPDIR}/")).map((l) => l.trim().replace(/ \\$/, ""));
  t.deepEqual(listed, [
    "${TOPDIR}/meta-core",
    "${TOPDIR}/meta-bootstrap",
    "${TOPDIR}/meta-containers",
    "${TOPDIR}/layers/meta-two/meta-a",
    "${TOPDIR}/layers/meta-two/meta-b",
  ]);
  t.false(conf.includes("BBLAYERS ?="), "the hand-written list was taken over by the block");

  const locked = await bakeLayers(topdir, ["lock"]);
  t.is(locked.code, 0, locked.stderr);
  const lock = parseLockFile(readFileSync(join(topdir, "layers", "layers.lock.json"), "utf8"));
  t.deepEqual(lock.layers["meta-two"], { url: remote.url, branch: "main", pin: first, revision: first });
  const clean = await bakeLayers(topdir, ["status"]);
  t.is(clean.code, 0, clean.stdout + clean.stderr);
  t.regex(clean.stdout, /meta-two: at [0-9a-f]{12}, as locked/);

  // The remote advances; the product moves its pin to the new head.
  const third = remote.commit("third", { "meta-b/README": "new\n" });
  writeLayersJson(topdir, [entry(remote.url, third)]);
  const stale = await bakeLayers(topdir, ["status"]);
  t.is(stale.code, 1);
  t.regex(stale.stdout, /meta-two: DIFFERS/);
  t.regex(stale.stdout, /layers.json changed since the lock: the lock was written for the pin/);
  t.true(stale.stdout.includes(`layers.json pins ${third.slice(0, 12)}`));

  const moved = await bakeLayers(topdir, ["fetch"]);
  t.is(moved.code, 0, moved.stderr);
  t.is(head(topdir), third, "the newer pin wins over the stale lock");
  t.regex(moved.stderr, /layers.json changed since the lock/);
  const afterFetch = await bakeLayers(topdir, ["status"]);
  t.is(afterFetch.code, 1, "still differs from the lock until it is rewritten");
  t.is((await bakeLayers(topdir, ["lock"])).code, 0);
  t.is((await bakeLayers(topdir, ["status"])).code, 0);
  t.not(second, third);
});

test("a local commit in a checkout: status reports it, fetch will not orphan it, lock records it", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  const [first] = remote.commits as [string, string];
  writeLayersJson(topdir, [entry(remote.url, first)]);
  t.is((await bakeLayers(topdir, ["fetch"])).code, 0);
  t.is((await bakeLayers(topdir, ["lock"])).code, 0);

  const checkout = join(topdir, "layers", "meta-two");
  writeFileSync(join(checkout, "meta-a", "NOTES"), "mine\n");
  git(checkout, "add", "-A");
  git(checkout, "commit", "--quiet", "-m", "local work");
  const local = head(topdir);

  const status = await bakeLayers(topdir, ["status"]);
  t.is(status.code, 1);
  t.true(status.stdout.includes(`at ${local.slice(0, 12)}, the lock has ${first.slice(0, 12)}`), status.stdout);

  const refused = await bakeLayers(topdir, ["fetch"]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /ERROR: layer meta-two: layers\/meta-two is at [0-9a-f]{12}, a commit on no branch/);
  t.is(head(topdir), local, "nothing moved");

  const locked = await bakeLayers(topdir, ["lock"]);
  t.is(locked.code, 0);
  t.regex(locked.stderr, /on no branch of the remote: push it/);
  t.is((await bakeLayers(topdir, ["status"])).code, 0);
  t.is((await bakeLayers(topdir, ["fetch"])).code, 0, "the lock's revision is used while the pin is unchanged");
  t.is(head(topdir), local);
});

test("a dirty tree is reported; fetch refuses to move it unless forced", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  const [first, second] = remote.commits as [string, string];
  writeLayersJson(topdir, [entry(remote.url, first)]);
  t.is((await bakeLayers(topdir, ["fetch"])).code, 0);
  writeFileSync(join(topdir, "layers", "meta-two", "meta-a", "conf", "layer.conf"), layerConf("a") + "\n# edited\n");

  const status = await bakeLayers(topdir, ["status"]);
  t.is(status.code, 1);
  t.regex(status.stdout, /local changes \(1 paths\):\n\s+M meta-a\/conf\/layer.conf/);

  writeLayersJson(topdir, [entry(remote.url, second)]);
  const refused = await bakeLayers(topdir, ["fetch"]);
  t.is(refused.code, 1);
  t.regex(refused.stderr, /layer meta-two: layers\/meta-two has local changes \(1 paths, e.g. meta-a\/conf\/layer.conf\)/);
  t.is(head(topdir), first);

  const forced = await bakeLayers(topdir, ["fetch", "--force"]);
  t.is(forced.code, 0, forced.stderr);
  t.is(head(topdir), second);
  t.is(git(join(topdir, "layers", "meta-two"), "status", "--porcelain"), "");
});

test("offline: uses what is there and says so; a missing revision fails naming the layer", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  const [first, second] = remote.commits as [string, string];
  const offline = { BB_NO_NETWORK: "1" };
  writeLayersJson(topdir, [entry(remote.url, first)]);

  const nothing = await bakeLayers(topdir, ["fetch"], offline);
  t.is(nothing.code, 1);
  t.regex(nothing.stderr, /ERROR: layer meta-two: layers\/meta-two is not cloned yet and the network is off \(BB_NO_NETWORK=1\)/);
  t.false(existsSync(join(topdir, "layers", "meta-two")));

  t.is((await bakeLayers(topdir, ["fetch"])).code, 0);
  writeLayersJson(topdir, [entry(remote.url, second)]);
  const present = await bakeLayers(topdir, ["fetch"], offline);
  t.is(present.code, 0, present.stderr);
  t.regex(present.stderr, /NOTE: meta-two: offline \(BB_NO_NETWORK=1\): [0-9a-f]{12} is already in layers\/meta-two/);
  t.is(head(topdir), second);

  const third = remote.commit("third", { "meta-a/README": "x\n" });
  writeLayersJson(topdir, [entry(remote.url, third)]);
  const missing = await bakeLayers(topdir, ["fetch"], offline);
  t.is(missing.code, 1);
  t.true(missing.stderr.includes(`layer meta-two: the pinned revision ${third} is not in layers/meta-two and the network is off`));

  // The remote is gone (no network): a branch-following layer keeps the last fetched head.
  renameSync(remote.url, `${remote.url}.away`);
  writeLayersJson(topdir, [entry(remote.url)]);
  const unreachable = await bakeLayers(topdir, ["fetch"]);
  t.is(unreachable.code, 0, unreachable.stderr);
  t.regex(unreachable.stderr, /WARNING: meta-two: git fetch of branch main from .* failed/);
  t.regex(unreachable.stderr, /offline: using the last fetched head of main/);
});

test("a fetched layer whose LAYERDEPENDS names a missing layer is reported before any parse", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path, "remote", { "meta-b": layerConf("b", { depends: "core meta-absent" }) });
  const topdir = makeTopdir(root.path);
  writeLayersJson(topdir, [entry(remote.url, remote.commits[1])]);
  const r = await bakeLayers(topdir, ["fetch"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /ERROR: layer b depends on layer meta-absent \(LAYERDEPENDS_b = "core meta-absent"\)/);
  const status = await bakeLayers(topdir, ["status"]);
  t.is(status.code, 1);
  t.regex(status.stderr, /layer b depends on layer meta-absent/);
});

test("a fetched layer not compatible with the core series names the layer and its LAYERSERIES_COMPAT", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path, "remote", { "meta-a": layerConf("a", { compat: "kirkstone" }) });
  const topdir = makeTopdir(root.path);
  writeLayersJson(topdir, [entry(remote.url, remote.commits[0], { enabled: ["meta-a"] })]);
  const r = await bakeLayers(topdir, ["fetch"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /layer a is not compatible with the core layer.*LAYERSERIES_COMPAT_a = "kirkstone"/);
  const conf = readFileSync(join(topdir, "conf", "bblayers.conf"), "utf8");
  t.false(conf.includes("meta-two/meta-b"), "only the enabled sub-layers are listed");
});

test("a sub-layer missing from the repository, and a malformed layers.json, fail with the name", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  const before = readFileSync(join(topdir, "conf", "bblayers.conf"), "utf8");
  writeLayersJson(topdir, [entry(remote.url, remote.commits[0], { sublayers: ["meta-a", "meta-python"], enabled: ["meta-a"] })]);
  const r = await bakeLayers(topdir, ["fetch"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /layer meta-two: layers\/meta-two\/meta-python has no conf\/layer.conf/);
  t.is(readFileSync(join(topdir, "conf", "bblayers.conf"), "utf8"), before, "bblayers.conf untouched when a layer failed");

  writeLayersJson(topdir, [entry(remote.url, "main")]);
  const bad = await bakeLayers(topdir, ["fetch"]);
  t.is(bad.code, 1);
  t.is(bad.stderr, "ERROR: layers/layers.json: layers[0].revision: expected a 40-hex commit\n");
  const usage = await bakeLayers(topdir, ["frobnicate"]);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /unknown command "frobnicate"/);
});

test("a url relative to the build directory, and a path layer used where it is", async (t) => {
  const root = tempRoot();
  t.teardown(root.cleanup);
  const remote = makeRemote(root.path);
  const topdir = makeTopdir(root.path);
  git(root.path, "clone", "--quiet", remote.url, join(root.path, "meta-local"));
  writeLayersJson(topdir, [
    { name: "meta-two", url: "../remote.git", branch: "main", sublayers: ["meta-b", "meta-a"], enabled: ["meta-a", "meta-b"] },
    { name: "meta-local", path: "../meta-local", sublayers: ["meta-a"], enabled: [] },
  ]);
  const r = await bakeLayers(topdir, ["fetch"]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /meta-two: at [0-9a-f]{12}, the head of branch main/);
  t.regex(r.stdout, /meta-local: using \.\.\/meta-local as it is/);
  t.is(head(topdir), remote.commits[1]);
  const conf = readFileSync(join(topdir, "conf", "bblayers.conf"), "utf8");
  t.true(conf.includes("${TOPDIR}/layers/meta-two/meta-a \\\n    ${TOPDIR}/layers/meta-two/meta-b \\\n"), "enabled order");
  t.false(conf.includes("meta-local"), "a layer with nothing enabled is fetched but not listed");

  const unlocked = await bakeLayers(topdir, ["status"]);
  t.is(unlocked.code, 1);
  t.regex(unlocked.stdout, /follows branch main and is not locked: run `bake layers lock`/);
  t.is((await bakeLayers(topdir, ["lock"])).code, 0);
  const locked = await bakeLayers(topdir, ["status"]);
  t.is(locked.code, 0, locked.stdout);
  t.regex(locked.stdout, /meta-local: a path layer \(\.\.\/meta-local\), not locked/);

  // The branch moves on, but the lock keeps the checkout where it was.
  remote.commit("third", { "meta-a/README": "x\n" });
  t.is((await bakeLayers(topdir, ["fetch"])).code, 0);
  t.is(head(topdir), remote.commits[1]);
});
