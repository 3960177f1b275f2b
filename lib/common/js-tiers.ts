// Which of V8's tiers compile bake's own JavaScript in this process.
//
// `bake -e` and `getvar` run each hot function for a second or two and end: V8's optimising
// compiler (TurboFan) recompiles those functions in background threads, and in so short a run the
// faster code does not give back what compiling it cost. On oe-core, `-e busybox` took 0.88 of the
// processor time without it (8 interleaved pairs; docs/performance.md, branch oee11), as CPython's
// wasm already keeps its baseline code (python/engine.ts). Anything that parses recipes (a cold or
// stale parse cache, in this thread or in parse workers, which take the process's flags) wants the
// optimising compiler back: `parseSome` asks for it before the first recipe. Only speed changes:
// every tier runs the same JavaScript with the same results.
import { setFlagsFromString } from "node:v8";

let baselineOnly = false;

/** Whether the user chose V8's optimisation tiers for node themselves: then they are left alone. */
function userChoseTiers(): boolean {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)];
  return given.some((a) => /^--(no-)?(opt|turbofan|max-opt|maglev|sparkplug)(=|$)/.test(a));
}

/** A one-shot query: bake's JavaScript stays on V8's interpreter and baseline tiers from now on. */
export function keepBaselineJavaScript(): void {
  if (baselineOnly || userChoseTiers()) return;
  setFlagsFromString("--no-opt");
  baselineOnly = true;
}

/** Long work ahead (recipes to parse), or the query is over: V8's optimising compiler again. */
export function optimiseJavaScript(): void {
  if (!baselineOnly) return;
  setFlagsFromString("--opt");
  baselineOnly = false;
}

/** Whether `keepBaselineJavaScript` holds now (for tests). */
export function javaScriptBaselineOnly(): boolean {
  return baselineOnly;
}
