// Two build directories built the same recipes, one with icecc: do they sign every task alike
// (the stamps carry each task's signature), and did they put the same bytes in shared state?
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface BuildComparison {
  /** Tasks whose stamps (named by signature) both builds have. */
  readonly stamps: number;
  /** Shared-state archives of the same name in both, compared byte for byte. */
  readonly objects: number;
  /** Everything that differs, in words. */
  readonly differences: readonly string[];
}

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true }).map(String).filter((f) => statSync(join(dir, f)).isFile());
  } catch {
    return [];
  }
}

/**
 * The signature of each task of the recipes in `pns`, keyed `pn:do_task`: from the stamps
 * (`<base>.do_task.<signature>`, tasks that ran) or from the signature data `bake -S` writes
 * beside them (`<base>.do_task.sigdata.<signature>`, every task).
 */
export function signatures(build: string, pns: readonly string[], from: "stamps" | "sigdata"): Map<string, string> {
  const out = new Map<string, string>();
  const name = from === "stamps" ? /^[^/]*?\.(do_[a-z_]+)\.([0-9a-f]{64})$/ : /^[^/]*?\.(do_[a-z_]+)\.sigdata\.([0-9a-f]{64})$/;
  for (const file of filesUnder(join(build, "tmp/stamps"))) {
    const parts = file.split("/");
    const pn = parts.at(-2)!;
    const m = name.exec(parts.at(-1)!);
    if (pns.includes(pn) && m) out.set(`${pn}:${m[1]}`, m[2]!);
  }
  return out;
}

/** Tasks whose signatures differ, or that only one side has. */
export function signatureDifferences(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>, names: readonly [string, string]): string[] {
  const out: string[] = [];
  for (const [task, sig] of a) {
    const other = b.get(task);
    if (other === undefined) out.push(`${task}: in ${names[0]} only`);
    else if (other !== sig) out.push(`${task}: signature ${sig.slice(0, 12)}… in ${names[0]}, ${other.slice(0, 12)}… in ${names[1]}`);
  }
  for (const task of b.keys()) if (!a.has(task)) out.push(`${task}: in ${names[1]} only`);
  return out;
}

function objects(build: string, pns: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of filesUnder(join(build, "sstate-cache"))) {
    const name = file.split("/").at(-1)!;
    if (name.endsWith(".tar.zst") && pns.some((pn) => name.startsWith(`sstate:${pn}:`))) out.set(name, join(build, "sstate-cache", file));
  }
  return out;
}

export function compareBuilds(a: string, b: string, pns: readonly string[]): BuildComparison {
  const sa = signatures(a, pns, "stamps");
  const differences = signatureDifferences(sa, signatures(b, pns, "stamps"), [a, b]);
  const oa = objects(a, pns);
  const ob = objects(b, pns);
  let compared = 0;
  for (const [name, path] of oa) {
    const other = ob.get(name);
    if (other === undefined) differences.push(`${name}: in ${a}'s shared state only`);
    else if (!readFileSync(path).equals(readFileSync(other))) differences.push(`${name}: different bytes`);
    else compared++;
  }
  for (const name of ob.keys()) if (!oa.has(name)) differences.push(`${name}: in ${b}'s shared state only`);
  return { stamps: sa.size, objects: compared, differences };
}
