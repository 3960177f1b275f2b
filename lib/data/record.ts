// A variable's record, as DataStore keeps it: a map of flags where the value is `_content`, a weak
// default (`??=`) is `_defaultval` (`_defaultval_flag_X` for a flag), and the deferred operations
// `:append`, `:prepend` and `:remove` are [text, override] lists applied when the value is read.
// Also the checks a name gets when it is set (the pre-2021 `_append` spelling, renamed variables).
import { FatalError } from "./errors.js";
import type { FlagValue, OpList } from "./expansion.js";
import type { LogInfo } from "./history.js";

export type VarRecord = Map<string, FlagValue>;

/** The flags of a record that hold deferred operations, as [text, override] lists. */
export const OP_FLAGS = [":append", ":prepend", ":remove"] as const;

/** `NAME:append`, `NAME:remove:ovr`…: base name, operation and override of an operation's name. */
export const OPERATION_NAME = /^(.*?)(:append|:prepend|:remove)(:([^A-Z]*))?$/;

const OLD_SYNTAX = /_(append|prepend|remove)/;
const WHITESPACE_SPLIT = /(\s)/;

// Variables BitBake renamed; setting the old name is an error there too.
const RENAMED_VARS: Readonly<Record<string, string>> = {
  BB_ENV_WHITELIST: "BB_ENV_PASSTHROUGH",
  BB_ENV_EXTRAWHITE: "BB_ENV_PASSTHROUGH_ADDITIONS",
  BB_HASHBASE_WHITELIST: "BB_BASEHASH_IGNORE_VARS",
  BB_HASHCONFIG_WHITELIST: "BB_HASHCONFIG_IGNORE_VARS",
  BB_HASHTASK_WHITELIST: "BB_TASKHASH_IGNORE_TASKS",
  BB_SETSCENE_ENFORCE_WHITELIST: "BB_SETSCENE_ENFORCE_IGNORE_TASKS",
  MULTI_PROVIDER_WHITELIST: "BB_MULTI_PROVIDER_ALLOWED",
};

/** BitBake refuses the `_append` spelling outright, wherever it appears in the name. */
export function refuseOldSyntax(name: string, info: LogInfo | null): void {
  if (!name.includes("_") || !OLD_SYNTAX.test(name) || name.startsWith("__anon_")) return;
  const at = info?.file !== undefined ? ` file: ${info.file}${info.line !== undefined ? ` line: ${info.line}` : ""}` : "";
  throw new FatalError(
    `Variable ${name}${at} contains an operation using the old override syntax. Please convert this layer/metadata before attempting to use with a newer bitbake.`,
    info?.file !== undefined ? { file: info.file, line: info.line ?? 0 } : undefined,
  );
}

/** The new name of a variable BitBake renamed (by its name before any `:`), or undefined. */
export function renamedTo(shortName: string): string | undefined {
  return Object.hasOwn(RENAMED_VARS, shortName) ? RENAMED_VARS[shortName] : undefined;
}

/** FLAG's own value in a record, else its weak default (unless `noweakdefault`); undefined when neither is set. */
export function ownValue(record: ReadonlyMap<string, FlagValue>, flag: string, noweakdefault: boolean): FlagValue | undefined {
  if (record.has(flag)) return record.get(flag);
  if (noweakdefault) return undefined;
  if (flag === "_content" && record.has("_defaultval")) return record.get("_defaultval");
  const weak = weakDefaultName(flag);
  if (record.has(weak)) return record.get(weak);
  return undefined;
}

/** Whether a record has FLAG or a weak default for it. */
export function hasOwnFlag(record: ReadonlyMap<string, FlagValue>, flag: string): boolean {
  return record.has(flag) || record.has(weakDefaultName(flag));
}

// The few flag names asked about are asked about millions of times: their weak-default names
// are made once, not concatenated (and allocated) on every question.
const weakDefaultNames = new Map<string, string>();

function weakDefaultName(flag: string): string {
  let name = weakDefaultNames.get(flag);
  if (name === undefined) {
    name = "_defaultval_flag_" + flag;
    if (weakDefaultNames.size < 4096) weakDefaultNames.set(flag, name);
  }
  return name;
}

/**
 * The flags getVarFlags shows, unexpanded: internal ones (`_content`, `_defaultval…`, `:append`…)
 * left out unless `internal`, weak flag defaults under their own name where no value is set.
 */
export function visibleFlags(record: ReadonlyMap<string, FlagValue>, internal: boolean): [flag: string, text: string | null][] {
  const out: [string, string | null][] = [];
  for (const [k0, val] of record) {
    let k = k0;
    if (k.startsWith("_defaultval_flag_") && !internal) {
      k = k.slice("_defaultval_flag_".length);
      if (record.has(k)) continue;
    } else if ((k.startsWith("_") || k.startsWith(":")) && !internal) {
      continue;
    }
    const text = asText(val);
    if (text === null && val !== null) continue;
    out.push([k, text]);
  }
  return out;
}

/**
 * The names of visibleFlags(record, false), in the order `Object.keys` gives for the object
 * getVarFlags builds from them, without the values: what signature analysis asks of every name
 * it meets (BB_SIGNATURE_EXCLUDE_FLAGS).
 */
export function visibleFlagNames(record: ReadonlyMap<string, FlagValue>): string[] {
  const out: string[] = [];
  let indexLike = false;
  for (const [k0, val] of record) {
    let k = k0;
    if (k.startsWith("_defaultval_flag_")) {
      k = k.slice("_defaultval_flag_".length);
      if (record.has(k)) continue;
    } else if (k.startsWith("_") || k.startsWith(":")) {
      continue;
    }
    if (typeof val !== "string" && val !== null) continue;
    if (ARRAY_INDEX.test(k)) indexLike = true;
    out.push(k);
  }
  // An object lists array-index keys first, in numeric order; no flag is named so in practice.
  return indexLike ? Object.keys(Object.fromEntries(out.map((k) => [k, true]))) : out;
}

const ARRAY_INDEX = /^(?:0|[1-9][0-9]*)$/;

/** `value` with the record's `:append` and `:prepend` entries whose override applies. */
export function withAppendsAndPrepends(value: FlagValue, record: ReadonlyMap<string, FlagValue>, applies: (override: string | null) => boolean): FlagValue {
  const appends = record.get(":append");
  if (Array.isArray(appends)) {
    for (const [r, ov] of appends as OpList) if (applies(ov)) value = (asText(value) ?? "") + (r ?? "");
  }
  const prepends = record.get(":prepend");
  if (Array.isArray(prepends)) {
    for (const [r, ov] of prepends as OpList) if (applies(ov)) value = (r ?? "") + (asText(value) ?? "");
  }
  return value;
}

/**
 * `text` without the words any of `removes` expands to (`words`), keeping every whitespace
 * character around the words that stay; and which removes did remove a word.
 */
export function removeWords(text: string, removes: ReadonlySet<string>, words: (remove: string) => ReadonlySet<string>): { text: string; applied: Set<string> } {
  const expanded = new Map<string, ReadonlySet<string>>();
  for (const r of removes) expanded.set(r, words(r));
  const applied = new Set<string>();
  const kept: string[] = [];
  for (const piece of text.split(WHITESPACE_SPLIT)) {
    let skip = false;
    for (const r of removes) {
      if (expanded.get(r)!.has(piece)) {
        applied.add(r);
        skip = true;
      }
    }
    if (!skip) kept.push(piece);
  }
  return { text: kept.join(""), applied };
}

function asText(v: FlagValue | undefined): string | null {
  return typeof v === "string" ? v : null;
}
