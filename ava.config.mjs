export default {
  files: ["dist/test/**/*.test.js", "!dist/test/e2e/**"],
  timeout: "5m",
  workerThreads: false,
};
