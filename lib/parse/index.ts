export * from "./ast.js";
export { ParseError, FatalError, MetadataError, formatDiagnostic } from "./errors.js";
export { parseFile, parseText } from "./parser.js";
export { SyntaxTreeStore } from "./syntax-store.js";
