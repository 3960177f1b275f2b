// `bake sstate verify DIR`: every object's metadata, signature and archive checksum, and with
// `deep` also the restore safety checks over every member.
import { ArchiveError, scanArchive } from "./archive.js";
import { inventory } from "./inventory.js";
import { verifyLocalObject, type Refusal, type RefusalReason, type TrustPolicy } from "./object.js";

export interface VerifyOptions {
  readonly trust: TrustPolicy;
  readonly deep?: boolean;
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
}

export async function verifySstateDir(sstateDir: string, o: VerifyOptions): Promise<VerifyReport> {
  const inv = inventory(sstateDir);
  const refused: Refusal[] = [];
  const uncommitted: string[] = [];
  const byReason: Partial<Record<RefusalReason, number>> = {};
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
      let refusal: Refusal | null = null;
      if (!obj.archive) refusal = { reason: "checksum-mismatch", object: obj.archivePath, detail: "archive missing" };
      else {
        const v = await verifyLocalObject(obj.archivePath, null, o.trust);
        if (!v.ok) refusal = v.refusal;
        else if (o.deep && v.metadata) {
          try {
            await scanArchive(obj.archivePath, v.metadata.outputs);
          } catch (e) {
            if (!(e instanceof ArchiveError)) throw e;
            refusal = { reason: e.unsafe ? "unsafe-member" : "corrupt-archive", object: obj.archivePath, detail: e.detail, ...(e.member === undefined ? {} : { member: e.member }) };
          }
        }
      }
      if (refusal) {
        refused.push(refusal);
        byReason[refusal.reason] = (byReason[refusal.reason] ?? 0) + 1;
      } else ok++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  refused.sort((a, b) => (a.object < b.object ? -1 : 1));
  return { total, ok, refused, uncommitted, byReason };
}
