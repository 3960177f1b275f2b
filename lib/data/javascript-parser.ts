// acorn, loaded when the first JavaScript text is parsed (an inline `${@...}` expression, a `js`
// function analysed for its signature): a run that evaluates none, such as a `bake -p` served by
// the parse cache, does not compile its 0.2 MB. Its CommonJS build, as an ES module cannot be
// loaded synchronously on Node 20; every user goes through here, so one copy is ever loaded.
import { createRequire } from "node:module";

type Acorn = typeof import("acorn");

let acorn: Acorn | null = null;

export function javascriptParser(): Acorn {
  return (acorn ??= createRequire(import.meta.url)("acorn") as Acorn);
}
