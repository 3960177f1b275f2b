// Hash equivalence: a server and a client speaking BitBake's OEHASHEQUIV 1.1 protocol over
// TCP, unix sockets and websockets, with a LevelDB store.
export { startHashserv, type HashservOptions, type RunningHashserv } from "./server.js";
export { HashEquivClient, type HashEquivClientOptions, type OutputReport, type UnihashQuery } from "./client.js";
export { parseAddress, HashservAddressError, type HashservAddress } from "./address.js";
export { HashservInvokeError, HashservReplyError, HashservConfigError } from "./errors.js";
export { ConnectionClosedError, ProtocolError } from "./connection.js";
export {
  PERMISSIONS,
  DEFAULT_ANON_PERMISSIONS,
  BITBAKE_ANON_PERMISSIONS,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type Permission,
  type UnihashReply,
  type OuthashReply,
  type StatsReply,
  type UserReply,
  type GcStatusReply,
} from "./protocol.js";
