// bake's HTTP client: redirects followed only when asked, and one description of a failed request.
import test from "ava";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpClient, HttpRequestError, TooManyRedirects } from "../../lib/common/http.js";

async function serve(t: { teardown: (fn: () => void) => void }, handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => server.close());
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

test("redirects are followed up to the limit, and the response says where it came from", async (t) => {
  const base = await serve(t, (req, res) => {
    const n = Number(req.url!.slice(1));
    if (n > 0) res.writeHead(302, { location: `/${n - 1}` }).end();
    else res.writeHead(200).end("here");
  });
  const http = new HttpClient({ pool: {} });
  t.teardown(() => http.close());
  const r = await http.request(`${base}/3`, { maxRedirects: 3 });
  t.is(r.statusCode, 200);
  t.is(r.url, `${base}/0`);
  t.is(await r.body.text(), "here");
  const asIs = await http.request(`${base}/3`);
  t.is(asIs.statusCode, 302);
  await asIs.body.dump();
  await t.throwsAsync(http.request(`${base}/4`, { maxRedirects: 3 }), { instanceOf: TooManyRedirects, message: "more than 3 redirects" });
});

test("a refused connection is an unreachable HttpRequestError; a silent server times out, reachable", async (t) => {
  const http = new HttpClient({ timeoutMs: 300 });
  const refused = await t.throwsAsync(http.request("http://127.0.0.1:1/x"), { instanceOf: HttpRequestError });
  t.is(refused?.code, "ECONNREFUSED");
  t.true(refused?.unreachable);
  t.regex(refused?.message ?? "", /^ECONNREFUSED: /);
  const base = await serve(t, () => {});
  const silent = await t.throwsAsync(http.request(`${base}/x`), { instanceOf: HttpRequestError });
  t.is(silent?.code, "UND_ERR_HEADERS_TIMEOUT");
  t.false(silent?.unreachable);
});
