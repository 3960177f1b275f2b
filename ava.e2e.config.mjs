import { tmpdir } from "node:os";
import { join } from "node:path";

export default {
  files: ["dist/test/e2e/**/*.test.js"],
  timeout: "120m",
  concurrency: 1,
  workerThreads: false,
  environmentVariables: { XDG_CONFIG_HOME: join(tmpdir(), "bake-test-config") },
};
