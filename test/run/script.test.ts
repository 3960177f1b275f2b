// The environment a shell task's script exports: BitBake's exported_vars.
import test from "ava";
import { DataStore } from "../../lib/data/index.js";
import { exportedVariables } from "../../lib/run/script.js";

test("[export] and [unexport] are read expanded, as BitBake's exported_keys reads them", (t) => {
  const d = new DataStore();
  d.setVar("ON", "1");
  d.setVar("OFF", "0");
  d.setVar("PLAIN", "p");
  d.setVarFlag("PLAIN", "export", "1");
  d.setVar("BY_REF", "r");
  d.setVarFlag("BY_REF", "export", "${ON}");
  d.setVar("REF_OFF", "x");
  d.setVarFlag("REF_OFF", "export", "${OFF}");
  d.setVar("UNEXPORTED", "u");
  d.setVarFlag("UNEXPORTED", "export", "1");
  d.setVarFlag("UNEXPORTED", "unexport", "${ON}");
  const env = exportedVariables(d);
  t.deepEqual([...env.vars.keys()], ["BY_REF", "PLAIN"]);
  t.is(env.vars.get("BY_REF"), "r");
  t.deepEqual(env.unexported, ["UNEXPORTED"]);
});

// What exportedVariables gave when it looked at every name (d.keys()); it now looks only at names
// ever flagged export or unexport, and must give the same.
function exportedByKeys(d: DataStore): { vars: [string, string][]; unexported: string[] } {
  const vars: [string, string][] = [];
  const unexported: string[] = [];
  const on = (name: string, flag: string) => ["1", "yes", "true", "y", "t", "on"].includes((d.getVarFlag(name, flag) ?? "").toLowerCase());
  for (const name of d.keys().sort()) {
    if (name.startsWith("__") || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || d.getVarFlag(name, "func", false)) continue;
    if (on(name, "unexport")) {
      unexported.push(name);
      continue;
    }
    if (name === "PWD" || !on(name, "export")) continue;
    const value = d.getVar(name);
    if (value !== null) vars.push([name, value]);
  }
  return { vars, unexported };
}

test("only names flagged export or unexport are looked at, with the same result as looking at every name", (t) => {
  const base = new DataStore();
  base.setVar("OVERRIDES", "ovr");
  for (let i = 0; i < 50; i++) base.setVar(`V${i}`, `value ${i}`);
  base.setVar("PATH", "/bin");
  base.setVarFlag("PATH", "export", "1");
  base.setVar("WEAK", "w");
  base.setVarFlag("WEAK", "_defaultval_flag_export", "1");
  base.setVar("PWD", "/nowhere");
  base.setVarFlag("PWD", "export", "1");
  base.setVar("__HIDDEN", "h");
  base.setVarFlag("__HIDDEN", "export", "1");
  base.setVar("bad-name", "b");
  base.setVarFlag("bad-name", "export", "1");
  base.setVar("do_thing", "true");
  base.setVarFlag("do_thing", "func", "1");
  base.setVarFlag("do_thing", "export", "1");
  base.setVar("FLAG_ONLY_LATER", "x");
  base.setVarFlag("GONE", "export", "1");
  base.setVar("GONE", "g");
  base.setVar("CHOSEN", "plain");
  base.setVar("CHOSEN:ovr", "by override");
  base.setVarFlag("CHOSEN", "export", "1");
  base.setVar("OVR_ONLY:ovr", "o");
  base.setVar("LATE", "${V1}/late");
  const d = base.createCopy();
  d.delVar("GONE");
  d.setVarFlag("LATE", "export", "1");
  d.setVarFlag("V3", "export", "0");
  d.setVarFlag("V4", "unexport", "1");
  d.setVarFlag("V5", "export", "1");
  d.delVarFlag("V5", "export");
  d.setVarFlag("V6", "export", "1");
  d.setVar("V6", "changed");
  const env = exportedVariables(d);
  const expected = exportedByKeys(d);
  t.deepEqual([...env.vars], expected.vars);
  t.deepEqual(env.unexported, expected.unexported);
  t.deepEqual([...env.vars.keys()], ["CHOSEN", "LATE", "PATH", "V6", "WEAK"]);
  t.is(env.vars.get("CHOSEN"), "by override");
  // A datastore restored from a snapshot (the parse cache's) keeps the list of flagged names.
  const restored = DataStore.restore(d.snapshot(), () => d.historySnapshot(), false);
  const again = exportedVariables(restored);
  t.deepEqual([...again.vars], expected.vars);
  t.deepEqual(again.unexported, expected.unexported);
});
