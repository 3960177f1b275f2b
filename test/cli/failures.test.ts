// Expected failures reach the terminal as messages (file, line, column where known; the exit code of
// their kind), never as stack traces: each kind's text, and the real `bake` on a broken recipe.
import test from "ava";
import { join } from "node:path";
import { describeFailure, EXIT_FAILURE, EXIT_USAGE } from "../../lib/cli/failure.js";
import { UsageError } from "../../lib/cli/options.js";
import { FatalOptionError } from "../../lib/cli/build-options.js";
import { ConfigurationError } from "../../lib/config/index.js";
import { ExpansionError } from "../../lib/data/index.js";
import { isBakeError } from "../../lib/common/errors.js";
import { ChecksumMismatch } from "../../lib/fetch/index.js";
import { ParseError } from "../../lib/parse/index.js";
import { LayersFileError } from "../../lib/setup/index.js";
import { fixture, runBake, write } from "../sstate-build/fixture.js";

test("each kind's text and exit code", (t) => {
  t.deepEqual(describeFailure(new UsageError("nothing to do")), { text: "bake: nothing to do", exitCode: EXIT_USAGE });
  t.deepEqual(describeFailure(new FatalOptionError("FATAL: no such UI")), { text: "FATAL: no such UI", exitCode: EXIT_FAILURE });
  const parse = new ParseError("unterminated quote", { file: "/l/r.bb", line: 3, column: 5 }, 'A = "x');
  t.is(parse.kind, "metadata-parse");
  t.deepEqual(parse.location, { file: "/l/r.bb", line: 3, column: 5 });
  t.is(describeFailure(parse).text, 'ERROR: /l/r.bb:3:5: unterminated quote\n    A = "x\n        ^');
  const layers = new LayersFileError("layers/layers.json", [
    { path: "layers[0].url", message: "required" },
    { path: "version", message: "must be 1" },
  ]);
  t.is(describeFailure(layers).text, "ERROR: layers/layers.json: layers[0].url: required\nERROR: layers/layers.json: version: must be 1");
  const expansion = new ExpansionError("FOO", "${@x}", new Error("boom"), { file: "/l/foo.bb", line: 7 });
  t.deepEqual(expansion.location, { file: "/l/foo.bb", line: 7 });
  t.deepEqual(describeFailure(expansion), { text: `ERROR: ${expansion.message}`, exitCode: EXIT_FAILURE });
  const fetch = new ChecksumMismatch("https://x/y.tar.gz", "/dl/y.tar.gz", "sha256sum", "aa", "bb", null);
  t.is(fetch.kind, "checksum-mismatch");
  t.true(isBakeError(fetch));
  t.true(isBakeError(new ConfigurationError("no")));
  t.false(isBakeError(new TypeError("a bug")));
});

test("bake on a recipe that does not parse, and on a target nothing provides: ERROR lines, no stack", async (t) => {
  const f = fixture();
  t.teardown(f.cleanup);
  const build = f.buildDir("build", ['BB_HASHSERVE = ""']);
  const broken = join(f.layer, "recipes-st/broken/broken_1.0.bb");
  write(broken, 'SUMMARY = "fine"\nDEPENDS = "unclosed\n');
  const parse = await runBake(f, build, ["-n", "c"]);
  t.is(parse.code, EXIT_FAILURE, parse.out);
  t.regex(parse.out, /^ERROR: 1 recipe\(s\) failed to parse:\n/m);
  t.true(parse.out.includes(`${broken}:2:`), parse.out);
  t.notRegex(parse.out, /^\s+at /m, "no stack trace");

  write(broken, 'SUMMARY = "fine"\n');
  const missing = await runBake(f, build, ["-n", "no-such-recipe"]);
  t.is(missing.code, EXIT_FAILURE, missing.out);
  t.regex(missing.out, /^ERROR: Nothing PROVIDES 'no-such-recipe'/m);
  t.notRegex(missing.out, /^\s+at /m, "no stack trace");
});
