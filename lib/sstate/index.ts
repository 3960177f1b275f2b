// Shared state: deterministic archives of task outputs, signed objects named by unihash, local
// and mirrored stores, outhashes for hash equivalence; publishing, verifying, pruning and serving a cache.
// (lib/sstate/hashserv/ is the hash-equivalence client and server, with its own index.)
export type { SstateOutput, CreateArchiveOptions, ArchiveInfo, RestoreStats, ArchiveErrorReason } from "./archive.js";
export { createArchive, restoreArchive, scanArchive, ArchiveError } from "./archive.js";
export type { UnsafeMemberReason } from "./members.js";
export { DEFAULT_ZSTD_LEVEL } from "./zstd.js";

export type { KeyId, PublicKeyInfo, SigningKey, GeneratedKey, SignedFields, Signature, SignatureRefusal, SignatureCheck, ScopedKey, TrustedKeys } from "./signing.js";
export { generateKeyPair, loadSigningKey, parseTrustedKeys, parseTrustSpec, scopePrefix, publicKeyOf, fingerprint, sign, addSignature, verifySignatures, KeyError } from "./signing.js";

export type { SstateObjectId, SstateMetadata, SstateObject, WriteObjectOptions, TrustPolicy, Location, SignedVerdict, RefusalReason, Refusal, Verdict, RestoreResult } from "./object.js";
export {
  SSTATE_FORMAT_VERSION,
  METADATA_SUFFIX,
  objectRelPath,
  sstatePkgSpec,
  encodeMetadata,
  decodeMetadata,
  writeSstateObject,
  checkMetadata,
  checkSignatures,
  keysFor,
  archiveRefusal,
  verifyLocalObject,
  verifyObject,
  restoreSstateObject,
} from "./object.js";

export type { SstateMirror, StoreWarning, StoreOptions, Availability, SstateFetchResult, EquivalenceFound } from "./store.js";
export { parseSstateMirrors, mirrorUrl, checkAvailability, fetchSstateObject, findEquivalences, MirrorSyntaxError } from "./store.js";
export type { EquivalenceId, EquivalenceFields, Equivalence, EquivalenceVerdict } from "./equivalence.js";
export { EQUIVALENCE_SUFFIX, equivalenceRelPath, equivalenceFingerprint, encodeEquivalence, decodeEquivalence, checkEquivalence, writeEquivalence, readLocalEquivalence } from "./equivalence.js";

export type { OutHashOptions } from "./outhash.js";
export { computeOutHash, outHashManifest } from "./outhash.js";

export type { PruneOptions, PruneReport } from "./prune.js";
export { pruneSstate } from "./prune.js";
export type { VerifyOptions, VerifyReport } from "./verify.js";
export { verifySstateDir } from "./verify.js";
export type { AttestOptions, AttestReport } from "./attest.js";
export { attestSstateDir } from "./attest.js";
export type { PushDestination, PushOptions, PushEvent, PushReport, HttpDestinationOptions } from "./push.js";
export { pushSstate, destinationFor, directoryDestination, httpDestination, PushError } from "./push.js";
export type { MirrorServerOptions, RunningMirrorServer } from "./serve.js";
export { startMirrorServer, parseRange, ServeError, CACHE_CONTROL } from "./serve.js";
