// `bake diffsigs`: why two signatures of a task differ, in bitbake-diffsigs' words: which
// variable changed value (old and new), which dependency list changed, which local file's
// checksum changed, which task dependency's hash changed (and, following its signature data,
// why), or the taint.
import { existsSync } from "node:fs";
import { readSigData, type SigData } from "./siginfo.js";

export interface DiffOptions {
  /** Follow a changed task dependency into its own signature data (default true). */
  readonly recurse?: boolean;
  /** Reads a dependency's signature data; default readSigData on the recorded path. */
  readonly load?: (path: string) => SigData | null;
}

function quote(v: string | null): string {
  return v === null ? "None" : `'${v}'`;
}

function setText(items: readonly string[]): string {
  return `{${items.map((i) => `'${i}'`).join(", ")}}`;
}

function lineDiff(a: string, b: string): string[] {
  // A plain longest-common-subsequence diff of lines: task code is short.
  const x = a.split("\n");
  const y = b.split("\n");
  const n = x.length;
  const m = y.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = x[i] === y[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push(`  ${x[i]}`);
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) out.push(`+ ${y[j++]}`);
    else out.push(`- ${x[i++]}`);
  }
  return out;
}

function valueChange(name: string, a: string | null, b: string | null): string[] {
  if (a !== null && b !== null && (a.includes("\n") || b.includes("\n")))
    return [`Variable ${name} value changed:`, ...lineDiff(a, b).map((l) => `  ${l}`)];
  return [`Variable ${name} value changed from ${quote(a)} to ${quote(b)}`];
}

/** The differences between signature data `a` (older) and `b` (newer), one message per line. */
export function compareSigData(a: SigData, b: SigData, opts: DiffOptions = {}, depth = 0): string[] {
  const out: string[] = [];
  if (a.basehash !== b.basehash) out.push(`basehash changed from ${a.basehash} to ${b.basehash}`);

  const aDirect = new Map(Object.entries(a.direct));
  const bDirect = new Map(Object.entries(b.direct));
  for (const [name, deps] of bDirect) {
    const old = aDirect.get(name);
    if (old === undefined) continue;
    const added = deps.filter((d) => !old.includes(d));
    const removed = old.filter((d) => !deps.includes(d));
    if (added.length > 0 || removed.length > 0) {
      out.push(`List of dependencies for variable ${name} changed from ${setText(old)} to ${setText(deps)}`);
      if (removed.length > 0) out.push(`changed items: ${setText(removed)} removed`);
      if (added.length > 0) out.push(`changed items: ${setText(added)} added`);
    }
  }
  for (const name of bDirect.keys()) if (!aDirect.has(name)) out.push(`Dependency on variable ${name} was added`);
  for (const name of aDirect.keys()) if (!bDirect.has(name)) out.push(`Dependency on variable ${name} was removed`);

  if (a.code !== b.code) out.push(...valueChange(b.task, a.code, b.code));
  const aValues = new Map(a.values);
  for (const [name, value] of b.values) {
    if (!aValues.has(name)) continue;
    const old = aValues.get(name)!;
    if (old !== value) out.push(...valueChange(name, old, value));
  }

  const aFiles = new Map(a.files.map((f) => [f.name, f.sha256]));
  const bFiles = new Map(b.files.map((f) => [f.name, f.sha256]));
  for (const [name, sum] of bFiles) {
    const old = aFiles.get(name);
    if (old === undefined) out.push(`Dependency on checksum of file ${name} was added`);
    else if (old !== sum) out.push(`Checksum for file ${name} changed from ${old} to ${sum}`);
  }
  for (const name of aFiles.keys()) if (!bFiles.has(name)) out.push(`Dependency on checksum of file ${name} was removed`);

  // A closure member is a task dependency like a direct one (format 1 listed both in runtaskdeps).
  const aDeps = new Map([...a.runtaskdeps, ...a.closure].map((d) => [d.task, d]));
  const bDeps = new Map([...b.runtaskdeps, ...b.closure].map((d) => [d.task, d]));
  for (const task of bDeps.keys()) if (!aDeps.has(task)) out.push(`Dependency on task ${task} was added`);
  for (const task of aDeps.keys()) if (!bDeps.has(task)) out.push(`Dependency on task ${task} was removed`);
  for (const [task, dep] of bDeps) {
    const old = aDeps.get(task);
    if (old === undefined || old.unihash === dep.unihash) continue;
    out.push(`Hash for task dependency ${task} changed from ${old.unihash} to ${dep.unihash}`);
    if (opts.recurse === false || depth > 50) continue;
    const load = opts.load ?? ((p: string) => (existsSync(p) ? readSigData(p) : null));
    const before = old.sigdata ? load(old.sigdata) : null;
    const after = dep.sigdata ? load(dep.sigdata) : null;
    if (before && after) out.push(...compareSigData(before, after, opts, depth + 1).map((l) => `  ${l}`));
    else out.push(`  (no signature data for both hashes of ${task}: cannot say why)`);
  }

  if (a.taint !== b.taint) out.push(`Taint (by forced/invalidated task) changed from ${a.taint ?? "None"} to ${b.taint ?? "None"}`);
  if (out.length === 0 && a.taskhash !== b.taskhash) out.push(`taskhash changed from ${a.taskhash} to ${b.taskhash} (nothing recorded explains it)`);
  if (out.length === 0 && a.unihash !== b.unihash) out.push(`unihash changed from ${a.unihash} to ${b.unihash} (hash equivalence)`);
  return out;
}
