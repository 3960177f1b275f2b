// The main thread's answer about network isolation, told to a task's worker, is the worker's.
import test from "ava";
import { isolationCommand, knownIsolationCommand } from "../../lib/run/network.js";

test("a worker told where unshare is (or that it is refused) does not ask again; an answer already found stays", (t) => {
  // This test file runs in a process of its own: nothing has asked yet.
  knownIsolationCommand("/told/unshare");
  t.is(isolationCommand(), "/told/unshare", "the answer told is used as is: no process was started to ask");
  knownIsolationCommand(null);
  t.is(isolationCommand(), "/told/unshare", "a later answer does not replace the first");
});
