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
