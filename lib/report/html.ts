// The build report as one self-contained HTML file: the summary, the slowest recipes, shared state
// and the critical path as static HTML (readable without scripts), and the timeline and CPU chart
// drawn in SVG by viewer.js from the model, which travels gzip-compressed and base64-encoded
// (logs' tails compress well; a big build's report stays small). Nothing is loaded from anywhere.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { packagePath } from "../common/install.js";
import type { ReportModel } from "./model.js";

// viewer.js and viewer.css are browser code, kept as they are beside this module's source.
const asset = (name: string) => readFileSync(packagePath("lib", "report", name), "utf8");

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `7.2 s`, `3 min 05 s`, `1 h 02 min`. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

const SLOWEST = 25;

function summary(m: ReportModel): string {
  const failed = m.tasks.filter((t) => !t.ok).length;
  const s = m.sstate;
  const facts: [string, string][] = [
    ["wall time", formatSeconds(m.duration)],
    ["tasks run", `${m.tasks.length}${failed > 0 ? ` (${failed} failed)` : ""}`],
    ["worker slots", `${m.slots}${m.cpus !== null ? ` on ${m.cpus} CPUs` : ""}`],
    ["critical path", `${formatSeconds(m.criticalPath.seconds)} in ${m.criticalPath.tasks.length} tasks`],
    ["shared state", `${s.local + s.mirror} restored (${s.local} local, ${s.mirror} mirror), ${s.missed} missed${s.refused > 0 ? `, ${s.refused} refused` : ""}`],
  ];
  if (m.summary) facts.push(["stamps current", String(m.summary.current)]);
  return `<dl class="facts">${facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>`;
}

function recipesTable(m: ReportModel): string {
  const rows = m.recipes.slice(0, SLOWEST);
  const top = rows[0]?.seconds || 1;
  const body = rows
    .map(
      (r) =>
        `<tr${r.failed ? ' class="failed"' : ""}><td>${escapeHtml(r.pf)}</td><td class="n">${r.tasks}</td>` +
        `<td class="n">${formatSeconds(r.seconds)}</td><td class="n">${r.cpu === null ? "–" : formatSeconds(r.cpu)}</td>` +
        `<td class="n">${formatSeconds(r.span)}</td><td class="barcell"><span style="width:${((r.seconds / top) * 100).toFixed(1)}%"></span></td></tr>`,
    )
    .join("");
  return (
    `<section id="recipes"><h2>Slowest recipes</h2>` +
    `<table><thead><tr><th>recipe</th><th>tasks</th><th>task time</th><th>CPU</th><th>span</th><th></th></tr></thead><tbody>${body}</tbody></table>` +
    (m.recipes.length > SLOWEST ? `<p class="note">${m.recipes.length - SLOWEST} more recipes not shown.</p>` : "") +
    `</section>`
  );
}

function taskList(names: readonly string[]): string {
  return names.length === 0 ? "" : `<ul class="tasks">${names.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>`;
}

function sstateSection(m: ReportModel): string {
  const s = m.sstate;
  const wanted = s.local + s.mirror + s.missed + s.refused;
  const part = (label: string, cls: string, names: readonly string[]) =>
    `<details class="${cls}"${names.length === 0 ? "" : ""}><summary><b>${names.length}</b> ${label}</summary>${taskList(names)}</details>`;
  return (
    `<section id="sstate"><h2>Shared state</h2>` +
    (wanted === 0
      ? `<p class="note">No shared-state lookups in this build.</p>`
      : `<div class="hitbar">${(["local", "mirror", "refused", "missed"] as const)
          .map((k) => (s[k] > 0 ? `<span class="${k}" style="flex:${s[k]}" title="${k}: ${s[k]}"></span>` : ""))
          .join("")}</div>` +
        part("restored from the local cache", "local", s.byResult.local) +
        part("restored from a mirror", "mirror", s.byResult.mirror) +
        part("refused (bad signature or archive): run instead", "refused", s.byResult.refused) +
        part("missed: no object, so built", "missed", s.byResult.missed)) +
    `</section>`
  );
}

function criticalSection(m: ReportModel): string {
  const byName = new Map(m.tasks.map((t) => [t.name, t] as const));
  const rows = m.criticalPath.tasks
    .map((n) => {
      const t = byName.get(n);
      return `<tr><td>${escapeHtml(n)}</td><td class="n">${t ? formatSeconds(t.end - t.start) : ""}</td></tr>`;
    })
    .join("");
  return (
    `<section id="critical"><h2>Critical path</h2>` +
    `<p class="note">The chain of dependent tasks with the greatest total time (${formatSeconds(m.criticalPath.seconds)} of ` +
    `${formatSeconds(m.duration)}): with unlimited workers the build could not be shorter; shortening anything else does not make it shorter.</p>` +
    `<table><thead><tr><th>task</th><th>time</th></tr></thead><tbody>${rows}</tbody></table></section>`
  );
}

export function renderReport(m: ReportModel): string {
  const data = gzipSync(Buffer.from(JSON.stringify(m)), { level: 9 }).toString("base64");
  const title = `bake build ${m.build}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${asset("viewer.css")}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1><p class="when">started ${escapeHtml(m.started.replace("T", " ").replace(/\.\d+Z$/, " UTC"))}</p>${summary(m)}</header>
<section id="timeline"><h2>Timeline</h2>
<div class="toolbar"><button type="button" data-zoom="in" title="zoom in (+)">+</button><button type="button" data-zoom="out" title="zoom out (-)">−</button><button type="button" data-zoom="reset" title="whole build (0)">whole build</button>
<label><input type="checkbox" id="only-critical"> dim all but the critical path</label><span class="hint">wheel: zoom · drag: pan · hover a task: details · click: keep them</span><span id="range"></span></div>
<div id="chart"><p class="note">Drawing the timeline needs JavaScript.</p></div>
<div id="legend"></div>
</section>
<div id="tip" hidden></div>
${recipesTable(m)}
${sstateSection(m)}
${criticalSection(m)}
<script type="application/octet-stream" id="report-data">${data}</script>
<script>${asset("viewer.js")}</script>
</body></html>
`;
}
