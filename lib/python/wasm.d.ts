// The part of the WebAssembly global that engine.ts uses: Node provides it, but the ES2023 library
// bake compiles against does not declare it (it comes with the DOM library, which bake leaves out).
declare namespace WebAssembly {
  interface Module {
    readonly __brand?: "WebAssembly.Module";
  }
  interface Instance {
    readonly exports: Record<string, unknown>;
  }
  type Imports = Record<string, Record<string, unknown>>;
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports?: Imports): Promise<Instance>;
}
