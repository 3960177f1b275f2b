import test from "ava";
import { existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  generateKeyPair,
  loadSigningKey,
  pruneSstate,
  writeSstateObject,
  type SstateObject,
} from "../../lib/sstate/index.js";
import { sstateCommand, type SstateCommandIO } from "../../lib/cli/sstate.js";
import { asTaskHash, asUniHash } from "../../lib/common/hashes.js";
import { tempDir } from "./fixtures.js";

function io(cwd: string, env: Record<string, string> = {}): SstateCommandIO & { lines: string[] } {
  const lines: string[] = [];
  return { lines, out: (l) => lines.push(l), err: (l) => lines.push(`ERR ${l}`), env, cwd };
}

async function populate(d: string, n: number): Promise<SstateObject[]> {
  generateKeyPair(d, "k");
  const key = loadSigningKey(join(d, "k.key"));
  const src = join(d, "out");
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "f"), "x".repeat(1000));
  const objs: SstateObject[] = [];
  for (let i = 0; i < n; i++)
    objs.push(
      await writeSstateObject({
        sstateDir: join(d, "sstate"),
        id: { pn: `p${i}`, pkgArch: "all", task: "deploy", uniHash: asUniHash(String(i).repeat(64).slice(0, 64)) },
        taskId: `p${i}:do_deploy`,
        taskHash: asTaskHash("2".repeat(64)),
        outHash: null,
        outputs: [{ name: "deploy", dir: src }],
        sourceDateEpoch: 0,
        signingKey: key,
      }),
    );
  return objs;
}

test("verify reports every object and exits non-zero on a bad one", async (t) => {
  const d = tempDir(t);
  const objs = await populate(d, 3);
  const env = { SSTATE_TRUSTED_KEYS: join(d, "k.pub") };
  const ok = io(d, env);
  t.is(await sstateCommand(["verify", "sstate"], ok), 0, ok.lines.join("\n"));
  t.is(ok.lines.at(-1), "3 objects: 3 ok, 0 refused, 0 uncommitted; 0 equivalence records: 0 ok");

  const b = readFileSync(objs[1]!.archivePath);
  b[b.length - 3] ^= 1;
  writeFileSync(objs[1]!.archivePath, b);
  writeFileSync(join(d, "sstate/00/00/sstate:x:y:2:0000_deploy.tar.zst"), "orphan");
  const bad = io(d, env);
  t.is(await sstateCommand(["verify", "sstate"], bad), 1);
  t.true(bad.lines.some((l) => l.startsWith("REFUSED checksum-mismatch") && l.includes(objs[1]!.relPath)), bad.lines.join("\n"));
  t.is(bad.lines.at(-1), "3 objects: 2 ok, 1 refused (checksum-mismatch 1), 1 uncommitted; 0 equivalence records: 0 ok");

  const nokey = io(d);
  t.is(await sstateCommand(["verify", "sstate"], nokey), 1);
  t.regex(nokey.lines.at(-1)!, /untrusted-key 3/);
  t.is(await sstateCommand(["verify"], io(d)), 2);
});

test("prune removes old or unlisted objects and reports freed bytes", async (t) => {
  const d = tempDir(t);
  const objs = await populate(d, 3);
  const now = Date.now();
  const old = new Date(now - 40 * 86_400_000);
  for (const p of [objs[0]!.archivePath, objs[0]!.metadataPath]) utimesSync(p, old, old);

  const dry = pruneSstate({ sstateDir: join(d, "sstate"), olderThanDays: 30, dryRun: true, now });
  t.is(dry.removedObjects, 1);
  t.true(existsSync(objs[0]!.archivePath));

  const r = pruneSstate({ sstateDir: join(d, "sstate"), olderThanDays: 30, now });
  t.is(r.removedObjects, 1);
  t.is(r.keptObjects, 2);
  t.true(r.freedBytes > 0);
  t.false(existsSync(objs[0]!.metadataPath));
  t.false(existsSync(objs[0]!.archivePath));
  t.false(existsSync(join(objs[0]!.archivePath, "..")), "empty fan-out directory removed");

  writeFileSync(join(d, "keep.txt"), `${objs[1]!.metadata.uniHash}\n`);
  const o = io(d);
  t.is(await sstateCommand(["prune", "sstate", "--keep", "keep.txt"], o), 0);
  t.regex(o.lines[0]!, /^removed 1 objects and 0 leftovers, [\d.]+ (B|KiB); kept 1$/);
  t.true(existsSync(objs[1]!.archivePath));
  t.false(existsSync(objs[2]!.archivePath));
  t.is(await sstateCommand(["prune", "sstate"], io(d)), 2);
});
