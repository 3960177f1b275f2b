// docs/architecture.md lists the stages in pipeline order; the code must agree: every folder of
// lib/ is listed, and a stage imports only the stages listed above it.
import test from "ava";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const lib = join(repo, "lib");

function stagesInOrder(): string[] {
  const doc = readFileSync(join(repo, "docs/architecture.md"), "utf8");
  return [...doc.matchAll(/^\d+\. `([a-z-]+)\/` — /gm)].map((m) => m[1]!);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts"))
    .map((e) => join(e.parentPath, e.name));
}

/** The stages a file imports (relative imports that leave its own stage). */
function importedStages(file: string, own: string): Set<string> {
  const out = new Set<string>();
  for (const m of readFileSync(file, "utf8").matchAll(/(?:from|import\()\s*"(\.{1,2}\/[^"]+)"/g)) {
    const target = relative(lib, resolve(dirname(file), m[1]!)).split("/")[0]!;
    if (target !== own) out.add(target);
  }
  return out;
}

test("docs/architecture.md lists every stage under lib/, once", (t) => {
  const listed = stagesInOrder();
  const folders = readdirSync(lib, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  t.deepEqual([...listed].sort(), [...new Set(listed)].sort(), "listed twice");
  t.deepEqual([...listed].sort(), folders.sort());
});

test("a stage imports only the stages above it in docs/architecture.md", (t) => {
  const order = stagesInOrder();
  const wrong: string[] = [];
  order.forEach((stage, i) => {
    for (const file of sources(join(lib, stage))) {
      for (const target of importedStages(file, stage)) {
        const at = order.indexOf(target);
        if (at < 0 || at > i) wrong.push(`${relative(repo, file)} imports ${target}/`);
      }
    }
  });
  t.deepEqual(wrong, []);
});
