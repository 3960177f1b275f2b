// The pure half of the layer set-up: layers.json and lock parsing, the fetch plan, bblayers.conf.
import test from "ava";
import {
  BLOCK_BEGIN,
  BLOCK_END,
  LayersFileError,
  BblayersConfError,
  bblayersEntries,
  parseLayersFile,
  parseLockFile,
  planFetch,
  renderBblayersConf,
  renderLockFile,
  shippedLayerEntries,
  type CommitId,
  type LockFile,
} from "../../lib/setup/index.js";

const A = "a".repeat(40) as CommitId;
const B = "b".repeat(40) as CommitId;

function issues(text: string): string[] {
  try {
    parseLayersFile(text);
  } catch (err) {
    if (err instanceof LayersFileError) return err.issues.map((i) => `${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

function file(layers: unknown[]): string {
  return JSON.stringify({ version: 1, layers });
}

const OE = { name: "meta-openembedded", url: "https://git.example/meta-oe.git", branch: "main", revision: A };

test("a valid file: sub-layers, enabled defaulting to all, path layers", (t) => {
  const parsed = parseLayersFile(
    file([
      { ...OE, sublayers: ["meta-oe", "meta-python"], enabled: ["meta-oe"] },
      { name: "meta-mine", path: "../meta-mine" },
      { name: "meta-x", url: "../mirror/meta-x.git", branch: "scarthgap", sublayers: [".", "meta-x-extra"] },
    ]),
  );
  t.deepEqual(parsed.layers[0], { kind: "git", name: "meta-openembedded", sublayers: ["meta-oe", "meta-python"], enabled: ["meta-oe"], url: OE.url, branch: "main", revision: A });
  t.deepEqual(parsed.layers[1], { kind: "path", name: "meta-mine", sublayers: ["."], enabled: ["."], path: "../meta-mine" });
  t.deepEqual(parsed.layers[2]!.enabled, [".", "meta-x-extra"]);
  t.is((parsed.layers[2] as { revision: unknown }).revision, null);
  t.deepEqual(
    bblayersEntries(parsed, ["${TOPDIR}/meta-core"]),
    ["${TOPDIR}/meta-core", "${TOPDIR}/layers/meta-openembedded/meta-oe", "${TOPDIR}/../meta-mine", "${TOPDIR}/layers/meta-x", "${TOPDIR}/layers/meta-x/meta-x-extra"],
  );
});

test("schema errors name the field path", (t) => {
  t.deepEqual(issues(file([OE, { ...OE, name: "meta-b", revision: "main" }])), ["layers[1].revision: expected a 40-hex commit"]);
  t.deepEqual(issues(file([{ ...OE, branch: undefined }])), ["layers[0].branch: required (the branch the revision is on)"]);
  t.deepEqual(issues(JSON.stringify({ version: 2, layers: [] })), ["version: expected 1 (the format version)"]);
  t.deepEqual(issues(JSON.stringify({ version: 1 })), ["layers: required (a list of layer repositories)"]);
  t.deepEqual(issues(file([{ ...OE, revison: A }])), [
    "layers[0].revison: unknown field (known fields: name, url, path, branch, revision, sublayers, enabled)",
  ]);
  t.deepEqual(issues(file([{ ...OE, name: 3 }])), ["layers[0].name: expected a layer name"]);
  t.deepEqual(issues(file([{ ...OE, name: "../escape" }])), ["layers[0].name: expected a directory name (letters, digits, . _ + -)"]);
  t.deepEqual(issues(file([{ ...OE, sublayers: ["meta-oe", "../up"] }])), [
    'layers[0].sublayers[1]: expected a relative path inside the repository, such as "meta-oe" (or "." for its root)',
  ]);
  t.deepEqual(issues(file([{ ...OE, url: "--upload-pack=evil" }])), ["layers[0].url: must not start with -"]);
});

test("checks across fields, all reported at once", (t) => {
  t.deepEqual(
    issues(
      file([
        { ...OE, sublayers: ["meta-oe"], enabled: ["meta-oe", "meta-python"] },
        { ...OE, path: "../x" },
        { name: "meta-y" },
        { name: "meta-z", path: "../z", revision: A },
      ]),
    ),
    [
      'layers[0].enabled[1]: "meta-python" is not in sublayers ("meta-oe")',
      'layers[1].name: "meta-openembedded" is already the name of layers[0]',
      "layers[1].path: give either url or path, not both",
      "layers[2]: needs either url or path",
      "layers[3].revision: only for a url layer: a path layer is used as it is",
    ],
  );
});

test("JSON syntax errors are a LayersFileError, with the line and column when V8 gives a position", (t) => {
  const comma = t.throws(() => parseLayersFile('{\n  "version": 1,\n  "layers": [,]\n}'), { instanceOf: LayersFileError });
  t.regex(comma!.message, /^layers\/layers.json: not valid JSON/);
  const colon = t.throws(() => parseLayersFile('{\n  "version" 1\n}'), { instanceOf: LayersFileError });
  t.regex(colon!.message, /^layers\/layers.json: not valid JSON at line 2, column 13: /);
});

test("the lock round-trips, sorted, and is validated", (t) => {
  const lock: LockFile = {
    version: 1,
    layers: {
      zed: { url: "u", branch: "main", pin: null, revision: B },
      alpha: { url: "u", branch: "main", pin: A, revision: A },
    },
  };
  const text = renderLockFile(lock);
  t.true(text.indexOf('"alpha"') < text.indexOf('"zed"'));
  t.deepEqual(parseLockFile(text), lock);
  const error = t.throws(() => parseLockFile(text.replace(B, "bbb")), { instanceOf: LayersFileError });
  t.is(error!.message, "layers/layers.lock.json: layers.zed.revision: expected a 40-hex commit");
});

test("the plan: the lock wins while its pin is current, then layers.json, then the branch head", (t) => {
  const parsed = parseLayersFile(file([OE, { name: "meta-follow", url: "u", branch: "dev" }, { name: "meta-new", url: "u", branch: "main", revision: B }]));
  const lock: LockFile = {
    version: 1,
    layers: {
      "meta-openembedded": { url: OE.url, branch: "main", pin: A, revision: B },
      "meta-follow": { url: "u", branch: "main", pin: null, revision: A },
    },
  };
  const steps = planFetch(parsed, lock);
  t.deepEqual(
    steps.map((s) => (s.kind === "git" ? [s.target, s.staleLock] : null)),
    [
      [{ kind: "lock", revision: B }, null],
      [{ kind: "branch", branch: "dev" }, "the lock was written for branch main"],
      [{ kind: "pin", revision: B }, null],
    ],
  );
  const moved = parseLayersFile(file([{ ...OE, revision: B }]));
  const [step] = planFetch(moved, lock);
  t.like(step, { target: { kind: "pin", revision: B }, staleLock: `the lock was written for the pin ${A.slice(0, 12)}` });
});

test("shipped layers are ${TOPDIR}-relative in the repository root, absolute elsewhere", (t) => {
  t.deepEqual(shippedLayerEntries("/src/bake", "/src/bake/"), ["${TOPDIR}/meta-core", "${TOPDIR}/meta-bootstrap", "${TOPDIR}/meta-containers"]);
  t.deepEqual(shippedLayerEntries("/home/me/build", "/src/bake"), ["/src/bake/meta-core", "/src/bake/meta-bootstrap", "/src/bake/meta-containers"]);
});

test("bblayers.conf: a new file, a hand-written list taken over, the block replaced in place", (t) => {
  const fresh = renderBblayersConf(null, ["${TOPDIR}/meta-core"]);
  t.regex(fresh, /^# The layers of this build/);
  t.true(fresh.includes('BBPATH = "${TOPDIR}"'));
  t.true(fresh.endsWith(`${BLOCK_BEGIN}\nBBLAYERS = " \\\n    \${TOPDIR}/meta-core \\\n    "\n${BLOCK_END}\n`));

  const hand = 'BBPATH = "${TOPDIR}"\nBBLAYERS ?= " \\\n  /old/meta \\\n  "\nBBLAYERS += "/mine"\n';
  const taken = renderBblayersConf(hand, ["${TOPDIR}/meta-core"]);
  t.is(taken, `BBPATH = "\${TOPDIR}"\n${BLOCK_BEGIN}\nBBLAYERS = " \\\n    \${TOPDIR}/meta-core \\\n    "\n${BLOCK_END}\nBBLAYERS += "/mine"\n`);

  const again = renderBblayersConf(taken.replace("BBPATH", "# a note\nBBPATH"), ["${TOPDIR}/meta-core", "${TOPDIR}/layers/x"]);
  t.true(again.startsWith("# a note\nBBPATH"));
  t.true(again.includes("    ${TOPDIR}/layers/x \\\n"));
  t.true(again.endsWith(`${BLOCK_END}\nBBLAYERS += "/mine"\n`));
  t.is(renderBblayersConf(again, ["${TOPDIR}/meta-core", "${TOPDIR}/layers/x"]), again, "stable when nothing changed");

  t.true(renderBblayersConf('BBPATH = "x"', ["/a"]).startsWith('BBPATH = "x"\n\n# >>> bake layers'));
  t.throws(() => renderBblayersConf(`${BLOCK_BEGIN}\nBBLAYERS = "x"\n`, ["/a"]), { instanceOf: BblayersConfError, message: /marker line is missing/ });
});
