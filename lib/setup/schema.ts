// layers/layers.json (what a product pins) and layers/layers.lock.json (what `bake layers lock`
// resolved), validated with zod; every problem is reported at its field path.
import { posix } from "node:path";
import { z } from "zod";
import { LayersFileError, type FieldIssue } from "./errors.js";

/** A full git commit id: a branch or tag name moves, so a pin must be one of these. */
export type CommitId = string & { readonly __brand: "CommitId" };

interface LayerRepoCommon {
  /** The directory under layers/ (and the name in the lock). */
  readonly name: string;
  /** Layer directories inside the repository, relative to its root; "." is the root itself. */
  readonly sublayers: readonly string[];
  /** The sub-layers that go into BBLAYERS, in this order. */
  readonly enabled: readonly string[];
}

/** A repository cloned into layers/<name> and checked out at its pin. */
export interface GitLayerRepo extends LayerRepoCommon {
  readonly kind: "git";
  readonly url: string;
  readonly branch: string;
  readonly revision: CommitId | null;
}

/** A directory used where it is (relative to the build directory), never touched by git. */
export interface PathLayerRepo extends LayerRepoCommon {
  readonly kind: "path";
  readonly path: string;
}

export type LayerRepo = GitLayerRepo | PathLayerRepo;

export interface LayersFile {
  readonly version: 1;
  readonly layers: readonly LayerRepo[];
}

export interface LockEntry {
  readonly url: string;
  readonly branch: string;
  /** layers.json's `revision` when the lock was written: a changed pin makes the entry stale. */
  readonly pin: CommitId | null;
  readonly revision: CommitId;
}

export interface LockFile {
  readonly version: 1;
  /** By repository name. */
  readonly layers: Readonly<Record<string, LockEntry>>;
}

export const LAYERS_FILE = "layers/layers.json";
export const LOCK_FILE = "layers/layers.lock.json";

const REPO_FIELDS = ["name", "url", "path", "branch", "revision", "sublayers", "enabled"];

function expected(what: string) {
  return { error: (iss: { input?: unknown }) => (iss.input === undefined ? `required (${what})` : `expected ${what}`) };
}

// A leading "-" would be read by git as an option.
const notOption = (s: string) => !s.startsWith("-");

const commitSchema = z.string(expected("a 40-hex commit")).regex(/^[0-9a-f]{40}$/, { error: "expected a 40-hex commit" });
const nameSchema = z
  .string(expected("a layer name"))
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, { error: "expected a directory name (letters, digits, . _ + -)" });
const urlSchema = z.string(expected("a git URL")).min(1, { error: "must not be empty" }).refine(notOption, { error: "must not start with -" });
const branchSchema = z
  .string(expected("a branch name"))
  .regex(/^[^\s~^:?*[\\]+$/, { error: "expected a branch name" })
  .refine(notOption, { error: "must not start with -" });
const subdirSchema = z
  .string(expected("a path inside the repository"))
  .refine((p) => p === "." || (posix.normalize(p) === p && !p.startsWith("/") && !p.startsWith("..") && !p.endsWith("/")), {
    error: 'expected a relative path inside the repository, such as "meta-oe" (or "." for its root)',
  });

const repoSchema = z.strictObject(
  {
    name: nameSchema,
    url: urlSchema.optional(),
    path: z.string(expected("a directory")).min(1, { error: "must not be empty" }).optional(),
    branch: branchSchema.optional(),
    revision: commitSchema.optional(),
    sublayers: z.array(subdirSchema, expected("a list of paths")).min(1, { error: "must list at least one path" }).optional(),
    enabled: z.array(subdirSchema, expected("a list of sub-layers")).optional(),
  },
  expected("an object"),
);

const layersFileSchema = z.strictObject(
  {
    version: z.literal(1, expected("1 (the format version)")),
    layers: z.array(repoSchema, expected("a list of layer repositories")),
  },
  expected("an object"),
);

const lockSchema = z.strictObject(
  {
    version: z.literal(1, expected("1 (the format version)")),
    layers: z.record(
      nameSchema,
      z.strictObject(
        { url: urlSchema, branch: branchSchema, pin: commitSchema.nullable(), revision: commitSchema },
        expected("an object"),
      ),
      expected("an object keyed by layer name"),
    ),
  },
  expected("an object"),
);

/** `layers[1].sublayers[0]`, as a user would point at the field. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function zodIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      const known = issue.path.length === 2 && issue.path[0] === "layers" ? ` (known fields: ${REPO_FIELDS.join(", ")})` : "";
      for (const key of issue.keys) out.push({ path: fieldPath([...issue.path, key]), message: `unknown field${known}` });
    } else {
      out.push({ path: fieldPath(issue.path), message: issue.message });
    }
  }
  return out;
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message;
    const at = /at position (\d+)/.exec(message);
    if (!at) throw new LayersFileError(file, [{ path: "", message: `not valid JSON: ${message}` }]);
    const before = text.slice(0, Number(at[1]));
    const line = before.split("\n").length;
    const column = before.length - before.lastIndexOf("\n");
    throw new LayersFileError(file, [{ path: "", message: `not valid JSON at line ${line}, column ${column}: ${message}` }]);
  }
}

/** Checks across fields that a schema cannot say simply; all problems at once. */
function repoIssues(raw: z.infer<typeof repoSchema>, i: number, seen: Map<string, number>): FieldIssue[] {
  const at = (field: string) => fieldPath(["layers", i, field]);
  const issues: FieldIssue[] = [];
  const first = seen.get(raw.name);
  if (first !== undefined) issues.push({ path: at("name"), message: `"${raw.name}" is already the name of layers[${first}]` });
  else seen.set(raw.name, i);
  if (raw.url === undefined && raw.path === undefined) issues.push({ path: fieldPath(["layers", i]), message: "needs either url or path" });
  if (raw.url !== undefined && raw.path !== undefined) issues.push({ path: at("path"), message: "give either url or path, not both" });
  if (raw.url !== undefined && raw.branch === undefined) issues.push({ path: at("branch"), message: "required (the branch the revision is on)" });
  if (raw.path !== undefined && raw.url === undefined) {
    for (const field of ["branch", "revision"] as const) {
      if (raw[field] !== undefined) issues.push({ path: at(field), message: "only for a url layer: a path layer is used as it is" });
    }
  }
  const sublayers = raw.sublayers ?? ["."];
  sublayers.forEach((s, j) => {
    if (sublayers.indexOf(s) !== j) issues.push({ path: fieldPath(["layers", i, "sublayers", j]), message: `"${s}" is listed twice` });
  });
  (raw.enabled ?? []).forEach((s, j) => {
    const path = fieldPath(["layers", i, "enabled", j]);
    if (!sublayers.includes(s)) {
      issues.push({ path, message: `"${s}" is not in sublayers (${sublayers.map((x) => `"${x}"`).join(", ")})` });
    } else if (raw.enabled!.indexOf(s) !== j) {
      issues.push({ path, message: `"${s}" is listed twice` });
    }
  });
  return issues;
}

/** Parses layers/layers.json; throws LayersFileError listing every problem with its field path. */
export function parseLayersFile(text: string, file: string = LAYERS_FILE): LayersFile {
  const result = layersFileSchema.safeParse(parseJson(text, file));
  if (!result.success) throw new LayersFileError(file, zodIssues(result.error));
  const seen = new Map<string, number>();
  const issues = result.data.layers.flatMap((raw, i) => repoIssues(raw, i, seen));
  if (issues.length > 0) throw new LayersFileError(file, issues);
  const layers = result.data.layers.map((raw): LayerRepo => {
    const sublayers = raw.sublayers ?? ["."];
    const common = { name: raw.name, sublayers, enabled: raw.enabled ?? sublayers };
    return raw.url !== undefined
      ? { kind: "git", ...common, url: raw.url, branch: raw.branch!, revision: (raw.revision ?? null) as CommitId | null }
      : { kind: "path", ...common, path: raw.path! };
  });
  return { version: 1, layers };
}

export function parseLockFile(text: string, file: string = LOCK_FILE): LockFile {
  const result = lockSchema.safeParse(parseJson(text, file));
  if (!result.success) throw new LayersFileError(file, zodIssues(result.error));
  return result.data as LockFile;
}

/** The lock as written to disk: keys sorted, so that relocking an unchanged tree changes no byte. */
export function renderLockFile(lock: LockFile): string {
  const layers: Record<string, LockEntry> = {};
  for (const name of Object.keys(lock.layers).sort()) {
    const e = lock.layers[name]!;
    layers[name] = { url: e.url, branch: e.branch, pin: e.pin, revision: e.revision };
  }
  return JSON.stringify({ version: 1, layers }, null, 2) + "\n";
}
