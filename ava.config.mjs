import { tmpdir } from "node:os";
import { join } from "node:path";

export default {
  files: ["dist/test/**/*.test.js", "!dist/test/e2e/**"],
  timeout: "5m",
  workerThreads: false,
  // bake keeps a per-user sstate signing key under XDG_CONFIG_HOME; tests use their own.
  // The Python boot snapshot and bytecode (XDG_CACHE_HOME) are kept apart from the user's too: the
  // fixtures' temporary layers would otherwise leave their bytecode in the user's cache.
  environmentVariables: { XDG_CONFIG_HOME: join(tmpdir(), "bake-test-config"), XDG_CACHE_HOME: join(tmpdir(), "bake-test-cache") },
};
