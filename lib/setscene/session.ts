// One build's signatures and shared state, from before the first task to after the last: the
// taskhashes and unihashes, the setscene decision and restores, and after each sstate task runs
// its outhash, report, object and install. When a report maps a task to an earlier unihash, the
// signatures after it change, and the tasks that can now be restored are (BitBake's rehash and
// scenequeue update): their dependencies, if not started, are then no longer needed.
import { isSet, type TaskGraph, type TaskId, type TaskNode } from "../graph/types.js";
import { existsSync } from "node:fs";
import { compareSigData, FileChecksumCache, findSigData, parseFileChecksums, readSigData, sigDataPath, type SafeRecipeDeps, type SigDataDep } from "../signature/index.js";
import type { RecipeInfo, RecipeRequest } from "../config/index.js";
import { OnDemandEquivalence, type HashEquivalence } from "./hash-equivalence.js";
import { planSetscene, type SstateState } from "./plan.js";
import type { SstateSettings } from "./settings.js";
import { SigDataWriter, SstateObjects, type Availability } from "./sstate-objects.js";
import { isSstateTask, pkgArchOf } from "./sstate-tasks.js";
import type { TaskHash, UniHash } from "../common/hashes.js";
import { pnTask, Signatures } from "./build-signatures.js";
import { StampSet } from "./stamps.js";
import { UnihashCache } from "./unihash-cache.js";

/** What setscene made of an sstate task the build wanted: restored (from where), absent, or refused. */
export type SetsceneResult = "local" | "mirror" | "missed" | "refused";

export interface SessionOptions {
  readonly graph: TaskGraph;
  readonly set: ReadonlySet<TaskId>;
  /** `${STAMP}` of each recipe id. */
  readonly bases: ReadonlyMap<string, string>;
  readonly taint: (id: TaskId) => string | null;
  readonly threads: number;
  readonly note: (level: "note" | "warning", text: string) => void;
  /** Each wanted sstate task's result: missed at lookup, or a restore (done or refused) and its time. */
  readonly onSetscene?: (node: TaskNode, result: SetsceneResult, elapsedMs: number) => void;
  /** Shared state and hash equivalence; without them signatures are local and nothing is restored. */
  readonly sstate?: SstateSettings | null;
  /** Write signature data for each task that runs (needs `request`). */
  readonly sigdata?: boolean;
  readonly request?: (recipe: RecipeInfo) => RecipeRequest;
  /** Whether setscene stamps of earlier builds count as done (not with --no-setscene). */
  readonly setsceneStamps?: boolean;
  /** SIGGEN_EXCLUDE_SAFE_RECIPE_DEPS: dependency edges the signatures leave out. */
  readonly safeRecipeDeps?: SafeRecipeDeps;
  /**
   * -n: decide what would be restored (the objects are looked up, as BitBake's dry run does) but
   * restore nothing and write no stamp; the tasks a restore would make unnecessary are not run.
   */
  readonly dryRun?: boolean;
}

export interface SetsceneCounts {
  readonly wanted: number;
  readonly local: number;
  readonly mirrors: number;
  readonly missed: number;
  readonly current: number;
}

export function summaryLine(c: SetsceneCounts): string {
  const found = c.local + c.mirrors;
  const match = c.wanted === 0 ? 0 : Math.floor((found / c.wanted) * 100);
  const complete = c.current === 0 ? 0 : Math.floor(((found + c.current) / (c.wanted + c.current)) * 100);
  return `Sstate summary: Wanted ${c.wanted} Local ${c.local} Mirrors ${c.mirrors} Missed ${c.missed} Current ${c.current} (${match}% match, ${complete}% complete)`;
}

export class SstateSession {
  readonly signatures: Signatures;
  readonly stamps: StampSet;
  /** Tasks restored from shared state in this build. */
  readonly restored = new Set<TaskId>();
  /** Tasks nothing needs any more (restores made them unnecessary). */
  private covered: ReadonlySet<TaskId> = new Set();
  private readonly started = new Set<TaskId>();
  private readonly finished = new Set<TaskId>();
  private readonly state = new Map<TaskId, SstateState>();
  private counts: SetsceneCounts | null = null;
  private readonly pending: Promise<unknown>[] = [];
  /** Tasks whose unihash is their own taskhash because the server did not know it (unihash-cache.ts). */
  private readonly unconfirmed = new Set<TaskId>();

  private constructor(
    private readonly o: SessionOptions,
    private readonly objects: SstateObjects | null,
    private readonly equivalence: OnDemandEquivalence | null,
    private readonly unihashes: UnihashCache | null,
    private readonly sigWriter: SigDataWriter | null,
  ) {
    const files = new FileChecksumCache();
    this.signatures = new Signatures(o.graph, {
      taint: o.taint,
      files: (node) => {
        const flag = node.task.flags["file-checksums"];
        return flag ? files.checksums(parseFileChecksums(flag)) : [];
      },
      asksServer: (node) => isSstateTask(node),
      ...(o.safeRecipeDeps && !o.safeRecipeDeps.none ? { excludesDep: (from: TaskNode, to: TaskNode) => o.safeRecipeDeps!.excludes(from.recipe.pn, to.recipe.pn) } : {}),
      ...(equivalence ? { lookup: (qs) => this.lookup(equivalence, qs) } : {}),
    });
    this.stamps = new StampSet(o.bases, (id) => this.signatures.unihashOf(id), o.setsceneStamps ?? true);
  }

  static async open(o: SessionOptions): Promise<SstateSession> {
    const warn = (t: string) => o.note("warning", t);
    const settings = o.sstate?.hashEquivalence;
    // BB_HASHSERVE = "": no server, so every unihash is the task's own taskhash.
    const equivalence = settings && settings.hashserve !== "" ? new OnDemandEquivalence(settings, warn) : null;
    const unihashes = equivalence && settings?.cache ? UnihashCache.load(settings.cache, { server: settings.hashserve, upstream: settings.upstream, database: settings.database, method: settings.method }) : null;
    let objects: SstateObjects | null = null;
    let writer: SigDataWriter | null = null;
    try {
      objects = o.sstate ? new SstateObjects(o.sstate, Math.max(1, Math.min(o.threads, 4)), warn) : null;
      writer = o.sigdata && o.request ? new SigDataWriter(1) : null;
      const session = new SstateSession(o, objects, equivalence, unihashes, writer);
      await session.signatures.compute(o.set);
      session.saveUnihashes();
      return session;
    } catch (e) {
      await equivalence?.close();
      await objects?.close();
      await writer?.close();
      throw e;
    }
  }

  /** What a task's unihash is kept under: one version of a PN per build, per package architecture. */
  private static unihashKey(node: TaskNode): string {
    return `${pkgArchOf(node)}/${pnTask(node)}`;
  }

  /**
   * The unihashes kept from earlier answers first; for the rest, the hash-equivalence server
   * (this build directory's history, or a team's server) and, for what it does not know, the
   * equivalence records that travel with the objects. A server that cannot be reached leaves
   * those tasks with their own taskhash, as if there were no server.
   */
  private async lookup(equivalence: OnDemandEquivalence, qs: readonly { readonly node: TaskNode; readonly taskhash: TaskHash }[]): Promise<(UniHash | null)[]> {
    const kept = qs.map((q) => {
      const entry = this.unihashes?.get(SstateSession.unihashKey(q.node), q.taskhash) ?? null;
      if (entry !== null && !entry.confirmed) this.unconfirmed.add(q.node.id);
      return entry?.unihash ?? null;
    });
    const asked = qs.filter((_, i) => kept[i] === null);
    if (asked.length === 0) return kept;
    const server = await equivalence.get();
    if (server === null) return kept;
    const answers = await this.ask(server, asked);
    this.keep(server, asked, answers);
    let next = 0;
    return kept.map((k) => (k !== null ? k : (answers[next++] ?? null)));
  }

  /** Keeps the server's answers (null: it did not know the taskhash; the task's own stands, unconfirmed). */
  private keep(server: HashEquivalence, qs: readonly { readonly node: TaskNode; readonly taskhash: TaskHash }[], answers: readonly (UniHash | null)[]): void {
    // Answers given while the server failed are stand-ins: kept, they would outlive its recovery.
    if (!server.answering) return;
    qs.forEach((q, i) => {
      const answer = answers[i] ?? null;
      this.unihashes?.set(SstateSession.unihashKey(q.node), q.taskhash, answer);
      if (answer === null) this.unconfirmed.add(q.node.id);
      else this.unconfirmed.delete(q.node.id);
    });
  }

  /**
   * The sstate tasks about to run whose unihash is a kept "unknown to the server": the server is
   * asked again, since another build may have taught it an equivalent output since; an answer
   * changes the task's unihash and the signatures after it. Whether anything changed.
   */
  private async confirmBeforeRunning(nodes: readonly TaskNode[]): Promise<boolean> {
    // A noexec task never runs, so nobody reports it: asking again could only start the server.
    const qs = nodes.filter((n) => this.unconfirmed.has(n.id) && !isSet(n.task.flags.noexec)).map((node) => ({ node, taskhash: this.signatures.taskhashOf(node.id) }));
    if (qs.length === 0 || !this.equivalence) return false;
    const server = await this.equivalence.get();
    if (server === null) return false;
    const answers = await this.ask(server, qs);
    this.keep(server, qs, answers);
    let changed = false;
    for (const [i, q] of qs.entries()) {
      const answer = answers[i] ?? null;
      if (answer === null || answer === this.signatures.unihashOf(q.node.id)) continue;
      this.o.note("note", `${pnTask(q.node)}: the hash-equivalence server now knows an equivalent output (unihash ${answer.slice(0, 12)}…)`);
      await this.signatures.setUnihash(q.node.id, answer, () => true);
      changed = true;
    }
    this.saveUnihashes();
    return changed;
  }

  private async ask(server: HashEquivalence, qs: readonly { readonly node: TaskNode; readonly taskhash: TaskHash }[]): Promise<(UniHash | null)[]> {
    const found = await server.lookup(qs.map((q) => q.taskhash));
    if (!this.objects) return found;
    const unknown = qs.filter((_, i) => found[i] === null);
    if (unknown.length === 0) return found;
    const records = await this.objects.equivalences(unknown);
    return qs.map((q, i) => found[i] ?? records.get(q.node.id) ?? null);
  }

  private node(id: TaskId): TaskNode {
    return this.o.graph.nodes.get(id)!;
  }

  get summary(): SetsceneCounts | null {
    return this.counts;
  }

  /** Before anything runs: what can be restored, restore it, and what that makes unnecessary. */
  async setscene(): Promise<SetsceneCounts | null> {
    if (!this.objects) return null;
    let survey = await this.survey();
    const missing = (s: typeof survey) => s.wanted.filter((n) => s.found.get(n.id) === "missing");
    if (await this.confirmBeforeRunning(missing(survey))) survey = await this.survey();
    const { wanted, current, found } = survey;
    const count = (a: Availability) => wanted.filter((n) => found.get(n.id) === a).length;
    for (const n of wanted) {
      const isMissing = found.get(n.id) === "missing";
      this.state.set(n.id, isMissing ? "missing" : "available");
      if (isMissing) this.o.onSetscene?.(n, "missed", 0);
    }
    this.counts = { wanted: wanted.length, local: count("local"), mirrors: count("mirror"), missed: count("missing"), current };
    this.o.note("note", summaryLine(this.counts));
    if (this.o.dryRun) this.planWithoutRestoring(found);
    else await this.planAndRestore();
    return this.counts;
  }

  /** The wanted sstate tasks (not stamped for their signature) and where each one's object is. */
  private async survey(): Promise<{ wanted: TaskNode[]; current: number; found: ReadonlyMap<TaskId, Availability> }> {
    const wanted: TaskNode[] = [];
    let current = 0;
    for (const n of [...this.o.set].map((id) => this.node(id)).filter(isSstateTask)) {
      if (this.stamps.hasStamp(n)) {
        this.state.set(n.id, "done");
        current++;
      } else wanted.push(n);
    }
    const found = await this.objects!.availability(wanted.map((node) => ({ node, unihash: this.signatures.unihashOf(node.id) })));
    return { wanted, current, found };
  }

  /**
   * --skip-setscene: restore nothing, but what earlier builds restored (a setscene stamp for its
   * signature) stays done, and what only it needed is not run (BitBake skips those setscene tasks
   * as covered).
   */
  keepEarlierRestores(): void {
    for (const n of [...this.o.set].map((id) => this.node(id)).filter(isSstateTask)) this.state.set(n.id, this.stamps.hasStamp(n) ? "done" : "missing");
    const plan = planSetscene(this.o.graph, this.o.set, { isSstate: isSstateTask, sstate: (id) => this.state.get(id) ?? "missing" });
    this.covered = plan.covered;
  }

  /**
   * The dry run's setscene: what the plan would restore counts as restored for this run only.
   * Whether an object would be refused (its signature, its members) is known only by fetching
   * it, which a dry run does not do; the real build then runs such a task instead.
   */
  private planWithoutRestoring(found: ReadonlyMap<TaskId, Availability>): void {
    const plan = planSetscene(this.o.graph, this.o.set, { isSstate: isSstateTask, sstate: (id) => this.state.get(id) ?? "missing" });
    for (const id of plan.restore) {
      this.restored.add(id);
      this.o.note("note", `${pnTask(this.node(id))}: would be restored from shared state (${found.get(id) === "mirror" ? "a mirror" : "local"})`);
    }
    this.covered = plan.covered;
  }

  /** Plan, restore what the plan says, and plan again while restores are refused. */
  private async planAndRestore(): Promise<void> {
    const objects = this.objects!;
    for (;;) {
      const plan = planSetscene(this.o.graph, this.o.set, {
        isSstate: isSstateTask,
        // A restored task stays a restore: the plan must keep what it pulls in (same-name deps).
        sstate: (id) => (this.restored.has(id) ? "available" : (this.state.get(id) ?? "missing")),
        done: (id) => !this.restored.has(id) && (this.started.has(id) || this.finished.has(id)),
      });
      const todo = [...plan.restore].filter((id) => !this.restored.has(id));
      const restoredNow: TaskNode[] = [];
      let refused = false;
      await mapLimit(todo, Math.max(1, Math.min(this.o.threads, 4)), async (id) => {
        const node = this.node(id);
        const unihash = this.signatures.unihashOf(id);
        const t0 = performance.now();
        const r = await objects.restore(node, unihash);
        this.o.onSetscene?.(node, r.ok ? r.source : "refused", performance.now() - t0);
        if (r.ok) {
          this.restored.add(id);
          this.state.set(id, "done");
          restoredNow.push(node);
          this.o.note("note", `${pnTask(node)}: restored from shared state (${r.source === "mirror" ? r.url : "local"})`);
        } else {
          refused = true;
          this.state.set(id, "missing");
          for (const f of r.refusals) {
            this.o.note("warning", `${pnTask(node)}: sstate object refused (${f.reason}): ${f.object}${f.member ? ` (member ${f.member})` : ""}: ${f.detail}; the task will run instead`);
          }
        }
      });
      this.stampRestored(restoredNow);
      if (!refused) {
        this.covered = plan.covered;
        return;
      }
    }
  }

  /**
   * Setscene stamps once the batch is in, each after those of the same-name sstate tasks below it
   * and only if all of those are done: a restored sysroot is useful only with its dependencies'
   * (planSetscene), and a stamp stops the next build's walk. Stamped as each restore finished, a
   * bake killed between app's restore and libfa's left app stamped and libfa missing for good.
   */
  private stampRestored(nodes: readonly TaskNode[]): void {
    const below = new Map(nodes.map((n) => [n.id, this.sameNameBelow(n)] as const));
    const ordered = [...nodes].sort((a, b) => below.get(a.id)!.length - below.get(b.id)!.length);
    for (const node of ordered) {
      if (below.get(node.id)!.every((id) => this.state.get(id) === "done")) this.stamps.writeSetscene(node);
    }
  }

  /** The sstate tasks of the same name as `from` that it depends on, transitively, in the build. */
  private sameNameBelow(from: TaskNode): TaskId[] {
    const out: TaskId[] = [];
    const seen = new Set<TaskId>();
    const stack = [...from.deps];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (seen.has(id) || !this.o.set.has(id)) continue;
      seen.add(id);
      const n = this.node(id);
      if (n.task.name === from.task.name && isSstateTask(n)) out.push(id);
      stack.push(...n.deps);
    }
    return out;
  }

  /** A restored task, or one that restores made unnecessary: complete it without running it. */
  isCurrent(node: TaskNode, ranDeps: readonly TaskNode[]): boolean {
    const current = this.restored.has(node.id) || this.covered.has(node.id) || this.stamps.isCurrent(node, ranDeps);
    if (current) this.finished.add(node.id);
    return current;
  }

  /** Restored, made unnecessary by a restore, or stamped for its signature (--setscene-only keeps these). */
  covers(node: TaskNode): boolean {
    return this.restored.has(node.id) || this.covered.has(node.id) || this.stamps.hasStamp(node);
  }

  /**
   * -S printdiff, BitBake's print_diffscenetasks: the tasks where the build stops being reusable.
   * From each target, follow dependencies through tasks that are valid (stamped for their
   * signature, or an sstate task whose object is available) until an invalid one; there, the
   * invalid tasks whose own dependencies are all valid are where the differences start.
   */
  async invalidRoots(): Promise<TaskNode[]> {
    const nodes = [...this.o.set].map((id) => this.node(id));
    const noexec = new Set(nodes.filter((n) => isSet(n.task.flags.noexec)).map((n) => n.id));
    const sstateTasks = nodes.filter((n) => isSstateTask(n) && !noexec.has(n.id) && !this.stamps.hasStamp(n));
    const found = this.objects ? await this.objects.availability(sstateTasks.map((node) => ({ node, unihash: this.signatures.unihashOf(node.id) }))) : new Map();
    const valid = new Set(nodes.filter((n) => !noexec.has(n.id) && (this.stamps.hasStamp(n) || (found.get(n.id) ?? "missing") !== "missing")).map((n) => n.id));
    const deps = (id: TaskId) => this.node(id).deps.filter((d) => this.o.set.has(d));
    const roots = new Set<TaskId>();
    const rootsBelow = (id: TaskId, seen: Set<TaskId>): void => {
      const invalidDeps = deps(id).filter((d) => !valid.has(d));
      for (const d of invalidDeps) {
        if (seen.has(d)) continue;
        seen.add(d);
        rootsBelow(d, seen);
      }
      if (invalidDeps.length === 0 && !noexec.has(id)) roots.add(id);
    };
    const visited = new Set<TaskId>();
    let frontier = this.o.graph.targets.filter((t) => this.o.set.has(t));
    while (frontier.length > 0) {
      const next: TaskId[] = [];
      for (const id of frontier) {
        if (visited.has(id)) continue;
        visited.add(id);
        if (!valid.has(id) && !noexec.has(id)) {
          rootsBelow(id, new Set());
          continue;
        }
        // A valid sstate task is restored as a whole: what it was built from does not matter.
        if (valid.has(id) && isSstateTask(this.node(id))) continue;
        next.push(...deps(id));
      }
      frontier = next;
    }
    return [...roots].map((id) => this.node(id));
  }

  /**
   * For each root of -S printdiff, BitBake's report: the hash needed, the most recent other
   * signature data recorded for the task (beside its stamps), and why they differ (diffsigs).
   */
  printdiff(roots: readonly TaskNode[]): string[] {
    if (roots.length === 0) return [];
    const out = ["The differences between the current build and any cached tasks start at the following tasks:", ...roots.map((n) => `${n.recipeId}:${n.task.name}`)];
    for (const node of roots) {
      const base = this.o.bases.get(node.recipeId);
      const unihash = this.signatures.unihashOf(node.id);
      if (!base) continue;
      const current = sigDataPath(base, node.task.name, unihash);
      const others = findSigData(base, node.task.name).filter((p) => p !== current);
      if (others.length === 0 || !existsSync(current)) {
        out.push("", `Task ${pnTask(node)} couldn't be used from the cache because:`, `  We need hash ${unihash}, and no other signature data of the task was found`);
        continue;
      }
      const previous = others[0]!;
      const previousHash = previous.slice(previous.lastIndexOf(".") + 1);
      const lines = compareSigData(readSigData(previous), readSigData(current));
      out.push("", `Task ${pnTask(node)} couldn't be used from the cache because:`, `  We need hash ${unihash}, most recent matching task was ${previousHash}`, ...lines.map((l) => `  ${l}`));
    }
    return out;
  }

  /** Restored, or covered by a restore decided after the scheduler had queued it. */
  unneeded(node: TaskNode): boolean {
    const skip = this.restored.has(node.id) || this.covered.has(node.id);
    if (skip) this.finished.add(node.id);
    return skip;
  }

  /** The scheduler starts a task. */
  taskStarted(id: TaskId): void {
    this.started.add(id);
    if (this.sigWriter && this.o.request && !isSet(this.node(id).task.flags.noexec)) {
      const p = this.writeSigData([this.node(id)]).catch((e) => this.o.note("warning", `signature data of ${pnTask(this.node(id))} not written: ${(e as Error).message}`));
      this.pending.push(p);
    }
  }

  /**
   * An sstate task ran: its outhash, reported to the hash-equivalence server, gives the unihash
   * its object is filed under and its dependents use; the output is packaged and installed.
   */
  async afterRun(node: TaskNode): Promise<void> {
    this.finished.add(node.id);
    if (!this.objects || !isSstateTask(node) || isSet(node.task.flags.noexec)) return;
    const taskhash = this.signatures.taskhashOf(node.id);
    const planned = this.signatures.unihashOf(node.id);
    const outhash = await this.objects.outhash(node);
    let unihash = planned;
    const server = this.equivalence ? await this.equivalence.get() : null;
    if (server !== null) {
      unihash = await server.report({ taskhash, unihash: planned, outhash, pn: node.recipe.pn, task: node.task.name });
      // Kept at once: the server now answers this taskhash so for good, even if bake is killed next.
      if (server.answering && this.unihashes) {
        this.unihashes.set(SstateSession.unihashKey(node), taskhash, unihash);
        this.saveUnihashes();
      }
    }
    let changed: TaskId[] = [];
    if (unihash !== planned) {
      changed = await this.signatures.setUnihash(node.id, unihash, (id) => !this.started.has(id) && !this.finished.has(id) && !this.restored.has(id));
      this.o.note("note", `${pnTask(node)}: output equivalent to an earlier build (unihash ${unihash.slice(0, 12)}…)`);
    }
    await this.objects.package(node, taskhash, unihash, outhash);
    this.state.set(node.id, "done");
    const candidates = changed.slice(1).map((id) => this.node(id)).filter(isSstateTask);
    if (candidates.length > 0) {
      const found = await this.objects.availability(candidates.map((n) => ({ node: n, unihash: this.signatures.unihashOf(n.id) })));
      for (const n of candidates) this.state.set(n.id, this.stamps.hasStamp(n) ? "done" : found.get(n.id) === "missing" ? "missing" : "available");
      await this.planAndRestore();
    }
  }

  private runtime(node: TaskNode): { runtaskdeps: SigDataDep[]; closure: SigDataDep[]; unihash: UniHash } {
    const described = (deps: readonly { readonly task: string; readonly unihash: string }[], ids: readonly TaskId[]): SigDataDep[] =>
      deps.map((d, i) => {
        const dep = this.node(ids[i]!);
        const base = this.o.bases.get(dep.recipeId);
        return { task: d.task, unihash: d.unihash, sigdata: base ? sigDataPath(base, dep.task.name, d.unihash) : null };
      });
    const direct = this.signatures.directDeps(node.id);
    const closure = this.signatures.closureMembers(node.id);
    return {
      runtaskdeps: described(this.signatures.runTaskDeps(node.id), direct),
      closure: described(this.signatures.closureDeps(node.id), closure),
      unihash: this.signatures.unihashOf(node.id),
    };
  }

  /** Signature data of the given tasks, grouped by recipe. */
  async writeSigData(nodes: readonly TaskNode[]): Promise<number> {
    const writer = this.sigWriter ?? new SigDataWriter(1);
    const byRecipe = new Map<string, TaskNode[]>();
    for (const n of nodes) {
      let list = byRecipe.get(n.recipeId);
      if (!list) byRecipe.set(n.recipeId, (list = []));
      list.push(n);
    }
    let written = 0;
    try {
      await mapLimit([...byRecipe.values()], Math.max(1, this.o.threads), async (list) => {
        const first = list[0]!;
        const base = this.o.bases.get(first.recipeId)!;
        const basehashes = await writer.write({
          ...this.o.request!(first.recipe),
          tasks: list.map((n) => {
            const rt = this.runtime(n);
            return {
              task: n.task.name,
              path: sigDataPath(base, n.task.name, rt.unihash),
              runtime: { pn: n.recipe.pn, runtaskdeps: rt.runtaskdeps, closure: rt.closure, files: this.signatures.fileChecksums(n.id), taint: this.o.taint(n.id), unihash: rt.unihash },
            };
          }),
        });
        basehashes.forEach((b, i) => {
          if (b !== list[i]!.task.basehash) this.o.note("warning", `${pnTask(list[i]!)}: basehash ${b} now, ${list[i]!.task.basehash} when parsed (the parse cache is stale?)`);
        });
        written += list.length;
      });
    } finally {
      if (writer !== this.sigWriter) await writer.close();
    }
    return written;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.pending);
    await this.sigWriter?.close();
    await this.objects?.close();
    await this.equivalence?.close();
    this.saveUnihashes();
  }

  private saveUnihashes(): void {
    try {
      this.unihashes?.save();
    } catch (e) {
      // Only a cache (a full disk, say): the next build asks the server again.
      this.o.note("warning", `unihash cache not written: ${(e as Error).message}`);
    }
  }
}

async function mapLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
