// The one validator of each hash kind: what sstate, hashserv, signatures and fetch all accept.
import test from "ava";
import { createHash } from "node:crypto";
import { asBaseHash, asOutHash, asSha256, asTaskHash, asUniHash, InvalidHash, isUniHash, ownUnihash, sha256Of } from "../../lib/common/hashes.js";

const HEX = "0123456789abcdef".repeat(4);

test("every kind is 64 lower-case hex digits, as BitBake's unihash check; anything else is refused by name", (t) => {
  for (const as of [asBaseHash, asTaskHash, asUniHash, asOutHash, asSha256]) t.is<string, string>(as(HEX), HEX);
  // Upper case, a sha1-length digest, a path and an expansion: none may become a file name or a value.
  for (const bad of [HEX.toUpperCase(), HEX.slice(0, 40), "../../etc/passwd", "${@os.system('true')}", `${HEX}\n`]) {
    const err = t.throws(() => asUniHash(bad), { instanceOf: InvalidHash });
    t.is(err?.kind, "UniHash");
    t.false(isUniHash(bad));
  }
  t.false(isUniHash(42));
});

test("a task's own unihash is its taskhash; a digest becomes a Sha256 through the validator", (t) => {
  const th = asTaskHash(HEX);
  t.is(ownUnihash(th), asUniHash(HEX));
  const h = createHash("sha256").update("x");
  t.is<string, string>(sha256Of(h), createHash("sha256").update("x").digest("hex"));
});
