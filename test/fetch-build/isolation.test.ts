// Network isolation in a real build: do_fetch downloads from the test's server, a do_compile
// that opens a TCP connection to the same server fails (its network namespace has only
// loopback), one flagged [network] = "1" succeeds; a js do_compile cannot download either.
// Where the kernel refuses unprivileged namespaces, the other test checks the build says so once.
import test from "ava";
import { readFileSync } from "node:fs";
import { sha256, serveBody, startServer, type TestServer } from "../fetch/helpers.js";
import { bake, fixture, taskLogs } from "./rig.js";
import { join } from "node:path";
import { unshareWorks } from "./rig.js";

const isolated = unshareWorks();
const REFUSED = "unshare --net --map-current-user is not permitted here";

/** A shell do_compile sending an HTTP request to the server with bash's /dev/tcp. */
function probe(port: string, path: string): string {
  return [
    "do_compile() {",
    `\t/bin/bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port} && printf "GET ${path} HTTP/1.0\\r\\n\\r\\n" >&3 && cat <&3'`,
    "}",
  ].join("\n");
}

function recipe(name: string, server: TestServer, payload: Buffer, body: string): string {
  return [
    `SUMMARY = "${name}"`,
    'LICENSE = "MIT"',
    `SRC_URI = "${server.base}/src/${name}.txt"`,
    `SRC_URI[sha256sum] = "${sha256(payload)}"`,
    'S = "${UNPACKDIR}"',
    body,
    "",
  ].join("\n");
}

async function setUp() {
  const payload = Buffer.from("payload\n");
  const late = Buffer.from("a file only a task without network would want\n");
  const server = await startServer({
    "/src/netprobe.txt": serveBody(payload),
    "/src/netallowed.txt": serveBody(payload),
    "/src/jsprobe.txt": serveBody(payload),
    "/src/late.txt": serveBody(late),
    "/probe/isolated": serveBody(Buffer.from("reached\n")),
    "/probe/allowed": serveBody(Buffer.from("reached\n")),
  });
  const port = new URL(server.base).port;
  const f = fixture("isolation", {
    "recipes-f/netprobe/netprobe_1.0.bb": recipe("netprobe", server, payload, probe(port, "/probe/isolated")),
    "recipes-f/netallowed/netallowed_1.0.bb": recipe(
      "netallowed",
      server,
      payload,
      `${probe(port, "/probe/allowed")}\ndo_compile[network] = "1"`,
    ),
    "recipes-f/jsprobe/jsprobe_1.0.bb": recipe(
      "jsprobe",
      server,
      payload,
      `js do_compile() {\n    await bb.fetch2.download(['${server.base}/src/late.txt;sha256sum=${sha256(late)}']);\n}`,
    ),
  });
  return { server, f };
}

(isolated ? test : test.skip)(
  `do_fetch reaches the server, a do_compile cannot${isolated ? "" : ` (skipped: ${REFUSED})`}`,
  async (t) => {
    const { server, f } = await setUp();
    t.teardown(() => server.close());
    t.teardown(f.cleanup);

    const r = await bake(f.build, ["-k", "netallowed", "netprobe", "jsprobe"]);
    t.is(r.code, 1, r.out);
    for (const name of ["netprobe", "netallowed", "jsprobe"]) t.is(server.hits(`/src/${name}.txt`), 1, `${name}'s do_fetch downloaded`);

    // The probe itself works where the network is allowed...
    t.is(server.hits("/probe/allowed"), 1, r.out);
    t.regex(r.out, /recipe netallowed-1\.0-r0: task do_compile: Succeeded/);
    // ...and not from an isolated do_compile: loopback in its own namespace has no server.
    t.is(server.hits("/probe/isolated"), 0);
    t.regex(r.out, /netprobe-1\.0-r0 do_compile: failed with exit code '1'/);
    const log = taskLogs(join(f.build, "tmp/work")).find((p) => p.includes("/netprobe/") && /log\.do_compile\./.test(p))!;
    t.regex(readFileSync(log, "utf8"), /Connection refused|Network is unreachable/);

    // A js task runs in bake's own thread: its fetcher is held to DL_DIR instead.
    t.is(server.hits("/src/late.txt"), 0);
    t.regex(r.out, /jsprobe-1\.0-r0 do_compile: failed: do_compile has no network access .*late\.txt/);
    t.notRegex(r.out, /network isolation is not available/);
  },
);

(isolated ? test.skip : test)(
  `where network namespaces are refused, the build says so once${isolated ? " (skipped: unshare works here)" : ""}`,
  async (t) => {
    const { server, f } = await setUp();
    t.teardown(() => server.close());
    t.teardown(f.cleanup);
    const r = await bake(f.build, ["-k", "netallowed", "netprobe"]);
    t.is(r.out.split("network isolation is not available here").length - 1, 1, r.out);
  },
);
