// `bake sstate verify DIR`: every object through exactly the checks a restore makes (verifyObject:
// metadata, identity, signatures under the trust rules, checksum, every member through the
// restore's member policy), and every equivalence record through a lookup's checks.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkEquivalence, decodeEquivalence, equivalenceRelPath } from "./equivalence.js";
import { inventory } from "./inventory.js";
import { verifyObject, type Location, type Refusal, type RefusalReason, type TrustPolicy } from "./object.js";

export interface VerifyOptions {
  readonly trust: TrustPolicy;
  /** Where trust is decided for an object at this path under the directory (default: SSTATE_DIR, null). */
  readonly location?: (relPath: string) => Location;
  /** Objects checked at once (default 4). */
  readonly concurrency?: number;
}

export interface VerifyReport {
  readonly total: number;
  readonly ok: number;
  readonly refused: readonly Refusal[];
  /** Archives with no metadata: never committed, ignored by lookups. */
  readonly uncommitted: readonly string[];
  readonly byReason: Readonly<Partial<Record<RefusalReason, number>>>;
  readonly equivalences: { readonly total: number; readonly ok: number };
}

export async function verifySstateDir(sstateDir: string, o: VerifyOptions): Promise<VerifyReport> {
  const inv = inventory(sstateDir);
  const where = o.location ?? (() => null);
  const refused: Refusal[] = [];
  const uncommitted: string[] = [];
  const byReason: Partial<Record<RefusalReason, number>> = {};
  const refuse = (r: Refusal) => {
    refused.push(r);
    byReason[r.reason] = (byReason[r.reason] ?? 0) + 1;
  };
  let ok = 0;
  let total = 0;
  const committed = inv.objects.filter((x) => {
    if (!x.metadata) uncommitted.push(x.relPath);
    return x.metadata !== null;
  });
  let next = 0;
  const worker = async () => {
    while (next < committed.length) {
      const obj = committed[next++]!;
      total++;
      const v = await verifyObject(obj.archivePath, null, o.trust, where(obj.relPath));
      if (v.ok) ok++;
      else refuse(v.refusal);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));

  let eqOk = 0;
  for (const rel of inv.equivalences) {
    const path = join(sstateDir, rel);
    const text = readFileSync(path, "utf8");
    const d = decodeEquivalence(text);
    // A record is checked as the lookup by its own name would check it.
    const v = d.ok && equivalenceRelPath(d.record) === rel
      ? checkEquivalence(text, d.record, o.trust, where(rel), path)
      : ({ ok: false, refusal: { reason: d.ok ? "wrong-object" : "bad-metadata", object: path, detail: d.ok ? `the record is of ${equivalenceRelPath(d.record)}` : d.detail } } as const);
    if (v.ok) eqOk++;
    else refuse(v.refusal);
  }
  refused.sort((a, b) => (a.object < b.object ? -1 : 1));
  return { total, ok, refused, uncommitted, byReason, equivalences: { total: inv.equivalences.length, ok: eqOk } };
}
