// What `js` task functions can call beyond the parse-time `bb`/`oe` helpers: the fetcher (BitBake's
// bb.fetch2), running another function (bb.build.exec_func) and file-tree helpers (oe.path), in the
// spellings OE metadata uses.
import { cpSync, linkSync, mkdirSync, readdirSync, rmSync, lstatSync, readlinkSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { bbModule, oeModule, type DataStore } from "../data/index.js";
import {
  applyPatches,
  cleanDownloads,
  fetchAll,
  NetworkDisabled,
  splitSrcUri,
  unpackAll,
  type FetchContext,
  type FetchEvent,
} from "../fetch/index.js";
import { mayUseNetwork } from "./network.js";
import { uninstall } from "../setscene/index.js";

export interface TaskApiHooks {
  /** Runs another function of the recipe (shell or js), as the task runner runs functions. */
  readonly execFunc: (name: string) => Promise<void>;
  /** Where fetch warnings and finished downloads are written (the task log). */
  readonly log: (text: string) => void;
  /** Every fetch event, progress included (the UI shows them). */
  readonly onFetch?: (event: FetchEvent) => void;
  readonly signal?: AbortSignal;
}

/**
 * The fetcher's view of the task's datastore. A `js` function runs in bake's worker thread, which
 * no network namespace can hold (the thread shares the process with do_fetch's), so outside
 * do_fetch and `[network]` tasks the fetcher itself is held offline: BB_NO_NETWORK is forced,
 * and a download works only from DL_DIR, as it would in BitBake's isolated task.
 */
function fetchContext(d: DataStore, networked: boolean): FetchContext {
  return {
    getVar: (name) => (name === "BB_NO_NETWORK" && !networked ? "1" : d.getVar(name)),
    getVarFlag: (name, flag) => d.getVarFlag(name, flag),
  };
}

function describe(event: FetchEvent): string | null {
  switch (event.type) {
    case "progress":
      return null;
    case "fetched": {
      const size = event.bytes === null ? "" : ` (${event.bytes} bytes in ${event.seconds.toFixed(2)} s)`;
      return `NOTE: ${event.url}: fetched from ${event.from}${size}`;
    }
    case "warning":
      return `WARNING: ${event.url}: ${event.message}`;
    case "note":
      return `NOTE: ${event.url}: ${event.message}`;
  }
}

/** Hard-links `src` into `dst` (copying where a link is impossible), keeping symlinks: oe.path.copyhardlinktree. */
function copyHardlinkTree(src: string, dst: string): void {
  mkdirSync(dst, { recursive: true });
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const from = join(src, entry.name);
    const to = join(dst, entry.name);
    if (entry.isDirectory()) {
      copyHardlinkTree(from, to);
    } else if (entry.isSymbolicLink()) {
      rmSync(to, { force: true });
      symlinkSync(readlinkSync(from), to);
    } else {
      rmSync(to, { force: true });
      try {
        linkSync(from, to);
      } catch {
        cpSync(from, to, { preserveTimestamps: true });
      }
    }
  }
}

export function taskGlobals(d: DataStore, hooks: TaskApiHooks): Record<string, unknown> {
  const task = d.getVar("BB_RUNTASK") ?? "";
  const networked = mayUseNetwork(task, d.getVarFlag(task, "network"));
  const ctx = fetchContext(d, networked);
  const options = {
    onEvent: (e: FetchEvent) => {
      const line = describe(e);
      if (line) hooks.log(line);
      hooks.onFetch?.(e);
    },
    ...(hooks.signal ? { signal: hooks.signal } : {}),
  };
  const download = async (uris: string[]): Promise<void> => {
    try {
      await fetchAll(ctx, uris, options);
    } catch (e) {
      if (networked || !(e instanceof NetworkDisabled)) throw e;
      throw new Error(`${task} has no network access (only do_fetch and tasks flagged [network] = "1" have): ${e.message}`, {
        cause: e,
      });
    }
  };
  const fetch2 = Object.freeze({
    /** The entries of SRC_URI. */
    srcUri: (dd: DataStore = d) => splitSrcUri(dd.getVar("SRC_URI") ?? ""),
    download,
    unpack: async (uris: string[], rootDir: string) => void (await unpackAll(ctx, uris, { rootDir })),
    patch: async (uris: string[], sourceDir: string) => applyPatches(ctx, uris, { sourceDir }),
    /** do_cleanall: removes what fetching `uris` put in DL_DIR; returns the paths removed. */
    clean: (uris: string[]) => cleanDownloads(ctx, uris),
  });
  const bb = Object.freeze({
    ...bbModule,
    fetch2,
    build: Object.freeze({ exec_func: (name: string) => hooks.execFunc(name) }),
  });
  const oe = Object.freeze({
    ...oeModule,
    sstate: Object.freeze({
      /** Removes what a shared-state task's install put in place (its manifest lists it), and the manifest. */
      clean_manifest: (manifest: string) => uninstall(manifest, true),
    }),
    path: Object.freeze({
      copyhardlinktree: copyHardlinkTree,
      remove: (path: string) => rmSync(path, { recursive: true, force: true }),
      exists: (path: string) => {
        try {
          lstatSync(path);
          return true;
        } catch {
          return false;
        }
      },
      join: (...parts: string[]) => join(...parts),
      listdir: (path: string) => readdirSync(path).sort(),
      mkdirhier: (path: string) => mkdirSync(path, { recursive: true }),
    }),
  });
  return { bb, oe };
}
