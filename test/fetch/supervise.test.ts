// The watcher of a supervised command (lib/fetch/supervise.ts): when bake goes away mid-command,
// make gets SIGTERM and deletes the half-written target (a SIGKILL would leave it, newer than its
// source, and the next build would link it); a command that ignores SIGTERM still ends, by SIGKILL.
import test from "ava";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { supervised, SUPERVISED_STDIN } from "../../lib/fetch/supervise.js";

function start(dir: string, file: string, args: string[]): ChildProcess {
  const { file: sh, args: argv } = supervised(file, args);
  return spawn(sh, argv, { cwd: dir, detached: true, stdio: [SUPERVISED_STDIN, "ignore", "ignore"] });
}

/** Running (a zombie waiting for init to reap it is not: it was killed). */
const alive = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /s, "")[0] !== "Z";
  } catch {
    return false;
  }
};

async function until(what: () => boolean, ms = 10_000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) if (what()) return true;
  return what();
}

test("bake gone mid-make: make gets SIGTERM and deletes the target it was writing", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-supervise-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // The rule writes half an object, then works on (as a compiler would); its pid is for the test.
  writeFileSync(join(dir, "Makefile"), "obj.o: src.c\n\techo $$$$ > pid; printf half > $@; sleep 30; printf rest >> $@\n");
  writeFileSync(join(dir, "src.c"), "int x;\n");
  const child = start(dir, "make", ["-s"]);
  t.true(await until(() => existsSync(join(dir, "obj.o")) && readFileSync(join(dir, "obj.o"), "utf8") === "half"));
  const rule = Number(readFileSync(join(dir, "pid"), "utf8"));
  // What bake's death does to the pipe: its write end closes.
  child.stdin!.destroy();
  t.true(await until(() => !existsSync(join(dir, "obj.o"))), "make deleted the half-written obj.o");
  t.true(await until(() => !alive(rule)), "the rule's shell ended");
});

test("a command that ignores SIGTERM is killed after the grace period", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-supervise-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = start(dir, "sh", ["-c", 'trap "" TERM; echo $$ > pid; while :; do sleep 0.2; done']);
  t.true(await until(() => existsSync(join(dir, "pid")) && readFileSync(join(dir, "pid"), "utf8").endsWith("\n")));
  const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
  child.stdin!.destroy();
  t.true(await until(() => !alive(pid), 10_000), "killed");
});

test("a command that ends by itself: what it left in the background is killed at once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bake-supervise-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = start(dir, "sh", ["-c", "sleep 60 & echo $! > pid"]);
  const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  t.is(code, 0);
  const pid = Number(readFileSync(join(dir, "pid"), "utf8"));
  child.stdin!.destroy();
  const t0 = Date.now();
  t.true(await until(() => !alive(pid)), "the background sleep was killed");
  t.log(`gone after ${Date.now() - t0} ms`);
});
