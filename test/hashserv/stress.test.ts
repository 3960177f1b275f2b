// Many clients reporting at once must still give one unihash per taskhash, and one per
// output: the server's "first writer wins" has to hold under concurrency.
import test from "ava";
import { HashEquivClient, type UnihashReply } from "../../lib/sstate/hashserv/index.js";
import { METHOD, hash, server } from "./helpers.js";

const CLIENTS = 32;
const TASKS = 8000; // distinct taskhashes
const TASKS_PER_OUTPUT = 4; // each output is produced by 4 different tasks…
const OUTPUTS = TASKS / TASKS_PER_OUTPUT;
const REPEATS = 2000; // …and 2000 reports are exact repeats, sent by another client

interface Report {
  readonly taskhash: string;
  readonly outhash: string;
}

test("32 clients report 10,000 outputs concurrently", async (t) => {
  const s = await server(t);
  const task = (i: number): Report => ({ taskhash: hash(`task-${i}`), outhash: hash(`output-${i % OUTPUTS}`) });
  // Task i goes to client i % 32; the tasks sharing an output (i, i+2000, …) land on clients
  // 16 apart, and each repeat goes to the client 16 away from the original.
  const work: Report[][] = Array.from({ length: CLIENTS }, () => []);
  for (let i = 0; i < TASKS; i++) work[i % CLIENTS]!.push(task(i));
  for (let i = 0; i < REPEATS; i++) work[(i + CLIENTS / 2) % CLIENTS]!.push(task(i));

  const clients = await Promise.all(work.map(() => HashEquivClient.connect(s.address)));
  t.teardown(() => Promise.all(clients.map((c) => c.close())));
  const replies: UnihashReply[] = [];
  const start = performance.now();
  await Promise.all(
    clients.map(async (c, n) => {
      for (const r of work[n]!) {
        // Like bitbake, each reporter proposes its own taskhash as the unihash.
        replies.push(await c.reportUnihash({ taskhash: r.taskhash, method: METHOD, outhash: r.outhash, unihash: r.taskhash }));
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  t.is(replies.length, TASKS + REPEATS);
  t.log(`${replies.length} reports from ${CLIENTS} clients in ${seconds.toFixed(2)} s: ${Math.round(replies.length / seconds)} reports/s`);

  const checker = clients[0]!;
  const all = Array.from({ length: TASKS }, (_, i) => task(i));
  const lookStart = performance.now();
  const unihashes = await checker.getUnihashBatch(all.map((r) => ({ method: METHOD, taskhash: r.taskhash })));
  t.log(`${TASKS} lookups in one get-stream batch: ${Math.round(TASKS / ((performance.now() - lookStart) / 1000))} lookups/s`);

  // Nothing lost: every taskhash has a unihash.
  t.is(unihashes.filter((u) => u === null).length, 0);
  const final = new Map(all.map((r, i) => [r.taskhash, unihashes[i]!]));
  // Every reporter was told the unihash that stuck.
  t.is(replies.filter((r) => r.unihash !== final.get(r.taskhash)).length, 0);
  // Equal outputs share one unihash, and it is one of their tasks' proposals.
  const byOutput = new Map<string, Set<string>>();
  for (const r of all) {
    const set = byOutput.get(r.outhash) ?? new Set<string>();
    set.add(final.get(r.taskhash)!);
    byOutput.set(r.outhash, set);
  }
  t.is(byOutput.size, OUTPUTS);
  const split = [...byOutput.values()].filter((set) => set.size !== 1);
  t.is(split.length, 0, `${split.length} outputs have more than one unihash`);
  for (let k = 0; k < OUTPUTS; k++) {
    const u = [...byOutput.get(hash(`output-${k}`))!][0]!;
    const members = [0, 1, 2, 3].map((j) => task(k + j * OUTPUTS).taskhash);
    if (!members.includes(u)) t.fail(`output ${k} got a unihash none of its tasks proposed`);
  }
  t.is(new Set(unihashes).size, OUTPUTS);
  t.true((await checker.unihashExistsBatch([...new Set(unihashes)] as string[])).every((e) => e));
  t.like(await checker.getDbUsage(), { unihashes: { rows: TASKS }, outhashes: { rows: TASKS } });
});
