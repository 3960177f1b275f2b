// Signatures in a build and what they decide: each task's taskhash and unihash, its stamps,
// which sstate tasks are restored instead of run (setscene), hash equivalence, and restoring and
// capturing task output as sstate objects. The glue between graph/, signature/ and sstate/;
// run/ asks it what to run and tells it what ran.
export { Signatures, type SignatureInputs } from "./build-signatures.js";
export { planSetscene, type SetscenePlan, type SstateState, type PlanInputs } from "./plan.js";
export { SstateSession, type SessionOptions, type SetsceneCounts, type SetsceneResult } from "./session.js";
export { sstateSettings, resolveSigningKey, trustPolicyOf, SstateSettingError, type SstateSettings } from "./settings.js";
export { isSstateTask, pkgArchOf } from "./sstate-tasks.js";
export { HashEquivalence, type HashEquivalenceSettings } from "./hash-equivalence.js";
export { installObject, uninstall } from "./install.js";
export { StampSet, invalidateTask, readTaint } from "./stamps.js";
