// The language of a metadata file's `${@...}`: its layer's LAYERLANGUAGE_<collection> ("js" or
// "python"), else the build's (the datastore's default: JavaScript under bake's conf/bake.conf,
// Python under a BitBake-style conf/bitbake.conf). Values from a layer whose language is not the
// build's get an explicit `${@js ...}`/`${@python ...}` marker as they are read, so both kinds of
// layer can live in one build.
import { markInline, type DataStore, type InlineLanguage } from "../data/index.js";
import type { Metadata } from "./state.js";

export interface LayerLanguage {
  /** BBFILE_PATTERN of the layer. */
  readonly pattern: RegExp;
  readonly language: InlineLanguage;
}

export function parseLanguage(value: string | null, where: string): InlineLanguage | null {
  if (value === null || value.trim() === "") return null;
  const v = value.trim().toLowerCase();
  if (v === "js" || v === "javascript") return "js";
  if (v === "python" || v === "py") return "python";
  throw new Error(`${where} = "${value}": the language of a layer is "js" or "python"`);
}

/** The language `file`'s `${@...}` are written in. */
export function fileLanguage(m: Metadata, file: string): InlineLanguage {
  let best: LayerLanguage | null = null;
  for (const l of m.layerLanguages) {
    if (best !== null && best.pattern.source.length >= l.pattern.source.length) continue;
    if (l.pattern.exec(file)?.index === 0) best = l;
  }
  return best?.language ?? m.d.inlineLanguage;
}

/** `text` as the datastore must keep it: marked when `language` is not the datastore's default. */
export function inBuildLanguage(m: Metadata, language: InlineLanguage, text: string): string {
  return language === m.d.inlineLanguage ? text : markInline(text, language);
}

/** Each layer's language, from LAYERLANGUAGE_<collection> (layers that set none follow the build). */
export function layerLanguages(d: DataStore, layers: readonly { readonly name: string; readonly pattern: string }[]): LayerLanguage[] {
  const out: LayerLanguage[] = [];
  for (const layer of layers) {
    const language = parseLanguage(d.getVar(`LAYERLANGUAGE_${layer.name}`), `LAYERLANGUAGE_${layer.name}`);
    if (language === null || layer.pattern === "") continue;
    out.push({ pattern: new RegExp(layer.pattern), language });
  }
  return out;
}
