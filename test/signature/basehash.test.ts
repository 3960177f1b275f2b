import test from "ava";
import { createHash } from "node:crypto";
import { computeBaseHash, baseHashInput, taskDependencies } from "../../lib/signature/index.js";
import { FakeData, baseConf, shellTask, type FakeVar } from "./fake-data.js";

function hashOf(vars: Record<string, FakeVar>, task = "do_build") {
  return computeBaseHash(taskDependencies(new FakeData(vars), [task]).get(task)!);
}

const vars = {
  ...baseConf(),
  CFLAGS: { value: "${OPT} -Wall" },
  OPT: { value: "-O2" },
  UNRELATED: { value: "x" },
  do_build: shellTask("\tcc ${CFLAGS}\n"),
};

test("the input is a fixed-order document of code and sorted dependency values", (t) => {
  const deps = taskDependencies(new FakeData(vars), ["do_build"]).get("do_build")!;
  const input = baseHashInput(deps);
  t.deepEqual(input, {
    format: 1,
    code: "\tcc ${CFLAGS}\n",
    deps: [
      ["CFLAGS", "${OPT} -Wall"],
      ["OPT", "-O2"],
    ],
  });
  const expected = createHash("sha256")
    .update('{"format":1,"code":"\\tcc ${CFLAGS}\\n","deps":[["CFLAGS","${OPT} -Wall"],["OPT","-O2"]]}')
    .digest("hex");
  t.is(computeBaseHash(deps) as string, expected);
});

test("moves with the code and with any dependency, not with the rest", (t) => {
  const base = hashOf(vars);
  t.regex(base, /^[0-9a-f]{64}$/);
  t.is(hashOf({ ...vars }), base);
  t.is(hashOf({ ...vars, UNRELATED: { value: "y" } }), base);
  t.not(hashOf({ ...vars, OPT: { value: "-O3" } }), base);
  t.not(hashOf({ ...vars, do_build: shellTask("\tcc ${CFLAGS} \n") }), base);
  // Ignored variables do not count, whatever their value.
  const ignoring = { ...vars, ...baseConf(["OPT"]) };
  t.is(hashOf({ ...ignoring, OPT: { value: "-O3" } }), hashOf(ignoring));
});

test("a value moved from one name to the next is a different hash (not plain concatenation)", (t) => {
  const a = { ...baseConf(), A: { value: "x" }, B: { value: "yz" }, do_build: shellTask("\t${A}${B}\n") };
  const b = { ...baseConf(), A: { value: "xy" }, B: { value: "z" }, do_build: shellTask("\t${A}${B}\n") };
  t.not(hashOf(a), hashOf(b));
});

test("every task of one analysis hashes the JSON of its own baseHashInput, dependencies encoded once being shared", (t) => {
  const shared = {
    ...baseConf(),
    CFLAGS: { value: "${OPT} -Wall \"quoted\" \\ back\tslash" },
    OPT: { value: "-O2" },
    "Z\u{1F600}": { value: "astral" },
    "Z\uFFFF": { value: "bmp" },
    do_compile: shellTask("\tcc ${CFLAGS} ${Z\u{1F600}} ${Z\uFFFF}\n"),
    do_install: shellTask("\tinstall ${OPT}\n"),
    do_build: shellTask("\t${CFLAGS}\n"),
  };
  const all = taskDependencies(new FakeData(shared), ["do_compile", "do_install", "do_build"]);
  for (const [task, deps] of all) {
    const expected = createHash("sha256").update(JSON.stringify(baseHashInput(deps)), "utf8").digest("hex");
    t.is(computeBaseHash(deps) as string, expected, task);
  }
});
