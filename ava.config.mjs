import { tmpdir } from "node:os";
import { join } from "node:path";

export default {
  files: ["dist/test/**/*.test.js", "!dist/test/e2e/**"],
  timeout: "5m",
  workerThreads: false,
  // bake keeps a per-user sstate signing key under XDG_CONFIG_HOME; tests use their own.
  environmentVariables: { XDG_CONFIG_HOME: join(tmpdir(), "bake-test-config") },
};
