// `bake -c fetchall TARGET` and `bake TARGET --runall=fetch`: every source of the dependency
// tree (build-time DEPENDS and runtime RDEPENDS, recursively) is fetched once, in parallel,
// nothing is built; sources shared by two recipes are downloaded once (DL_DIR lock + done stamp).
import test from "ava";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { sha256, startServer, type Handler } from "../fetch/helpers.js";
import { bake, fixture, taskLogs } from "./rig.js";

/** Each recipe: what it DEPENDS on, RDEPENDS on, and its sources (file names under /src/). */
const TREE: Record<string, { depends: string[]; rdepends: string[]; sources: string[] }> = {
  top: { depends: ["alpha", "beta"], rdepends: ["gamma"], sources: ["s01", "s02", "s03"] },
  alpha: { depends: ["delta"], rdepends: [], sources: ["s04", "s05", "s06", "shared1"] },
  beta: { depends: ["delta", "epsilon"], rdepends: [], sources: ["s07", "s08", "shared1", "shared2"] },
  gamma: { depends: [], rdepends: [], sources: ["s09", "s10", "s11", "shared2"] },
  delta: { depends: [], rdepends: [], sources: ["s12", "s13", "s14"] },
  epsilon: { depends: [], rdepends: ["zeta"], sources: ["s15", "s16"] },
  zeta: { depends: [], rdepends: [], sources: ["s17", "s18"] },
  // Not in top's tree: its source must not be fetched.
  outsider: { depends: [], rdepends: [], sources: ["s99"] },
};

function body(name: string): Buffer {
  return Buffer.from(`${name} `.repeat(8192));
}

function recipes(base: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [pn, r] of Object.entries(TREE)) {
    const uris = r.sources.map((s) => `${base}/src/${s}-1.0.txt;name=${s}`);
    const sums = r.sources.map((s) => `SRC_URI[${s}.sha256sum] = "${sha256(body(s))}"`);
    files[`recipes-f/${pn}/${pn}_1.0.bb`] = [
      `SUMMARY = "${pn}"`,
      'LICENSE = "MIT"',
      'PACKAGES = "${PN}"',
      `DEPENDS = "${r.depends.join(" ")}"`,
      `RDEPENDS:\${PN} = "${r.rdepends.join(" ")}"`,
      `SRC_URI = "${uris.join(" ")}"`,
      ...sums,
      'S = "${UNPACKDIR}"',
      "",
    ].join("\n");
  }
  return files;
}

const inTree = [...new Set(Object.entries(TREE).filter(([pn]) => pn !== "outsider").flatMap(([, r]) => r.sources))].sort();

async function serveSources() {
  const routes: Record<string, Handler> = {};
  for (const s of [...inTree, "s99"]) {
    routes[`/src/${s}-1.0.txt`] = (_req, res) => {
      // The shared files come slowly, so that both recipes' fetches are under way together.
      setTimeout(() => {
        const data = body(s);
        res.writeHead(200, { "content-length": data.length });
        res.end(data);
      }, s.startsWith("shared") ? 400 : 0);
    };
  }
  return startServer(routes);
}

function fetchedLines(out: string): string[] {
  return out.split("\n").filter((l) => /^NOTE: .* do_fetch: fetched http:/.test(l));
}

test("bake -c fetchall fetches each of the tree's 20 sources once, in parallel, and builds nothing", async (t) => {
  t.is(inTree.length, 20);
  const server = await serveSources();
  t.teardown(() => server.close());
  const f = fixture("fetchall", recipes(server.base));
  t.teardown(f.cleanup);

  const first = await bake(f.build, ["-c", "fetchall", "top"]);
  t.is(first.code, 0, first.out);
  t.log(`fetchall of 20 sources: ${first.seconds} s`);
  for (const s of inTree) t.is(server.hits(`/src/${s}-1.0.txt`), 1, `${s} fetched once`);
  t.is(server.hits("/src/s99-1.0.txt"), 0, "a recipe outside the tree is not fetched");
  const downloads = readdirSync(join(f.build, "downloads"));
  for (const s of inTree) t.true(downloads.includes(`${s}-1.0.txt.done`), `${s} has its done stamp`);

  // Plain output: one line per file fetched, with its size and rate.
  const lines = fetchedLines(first.out);
  const missing = inTree.filter((s) => !lines.some((l) => l.includes(`/src/${s}-1.0.txt `)));
  t.deepEqual(missing, [], first.out);
  t.is(lines.length, 20);
  t.regex(lines.find((l) => l.includes("/src/s01-1.0.txt"))!, /^NOTE: top-1\.0-r0 do_fetch: fetched http:\/\/127\.0\.0\.1:\d+\/src\/s01-1\.0\.txt \(32\.0 KiB, [\d.]+ [KMG]?i?B\/s\)$/);

  // Only do_fetch ran: nothing was unpacked or built.
  const ran = taskLogs(join(f.build, "tmp/work")).map((p) => p.replace(/^.*\/log\.(do_[a-z_]+)\.\d+$/, "$1"));
  t.deepEqual([...new Set(ran)], ["do_fetch"]);
  t.is(ran.length, 7, "one do_fetch per recipe of the tree");

  const again = await bake(f.build, ["-c", "fetchall", "top"]);
  t.is(again.code, 0, again.out);
  t.regex(again.out, /Tasks Summary: Attempted (\d+) tasks of which \1 didn't need to be rerun and all succeeded/);
  t.is(server.requests.length, 20, "nothing fetched a second time");
});

test("--runall=fetch fetches the whole tree without building it", async (t) => {
  const server = await serveSources();
  t.teardown(() => server.close());
  const f = fixture("runall", recipes(server.base));
  t.teardown(f.cleanup);

  const r = await bake(f.build, ["top", "--runall=fetch"]);
  t.is(r.code, 0, r.out);
  // As in BitBake, the graph of `top`'s own build: its runtime-only dependencies (gamma, and
  // zeta through epsilon) are not in it, unlike with fetchall.
  const runtimeOnly = ["s09", "s10", "s11", "s17", "s18"];
  for (const s of inTree) t.is(server.hits(`/src/${s}-1.0.txt`), runtimeOnly.includes(s) ? 0 : 1, `${s}`);
  t.is(server.hits("/src/s99-1.0.txt"), 0);
  t.false(existsSync(join(f.build, "tmp/work/x86_64-bake-linux-musl/top/1.0/sources")), "top was not unpacked");
  const ran = new Set(taskLogs(join(f.build, "tmp/work")).map((p) => p.replace(/^.*\/log\.(do_[a-z_]+)\.\d+$/, "$1")));
  t.deepEqual([...ran], ["do_fetch"]);
});
