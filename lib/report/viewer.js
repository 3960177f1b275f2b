// The build report's timeline (see html.ts): every task on its worker slot and every restore on a
// setscene lane, the critical path marked, the machine's CPU use beneath on the same time axis.
// Drawn in SVG from the model embedded in the page; the wheel or the buttons zoom, dragging pans,
// hovering a task shows its details (a click keeps them up). Plain browser JavaScript, no library.
"use strict";
(() => {
  const NS = "http://www.w3.org/2000/svg";
  const chart = document.getElementById("chart");
  const tip = document.getElementById("tip");
  const rangeLabel = document.getElementById("range");
  const ROW = 22, GUTTER = 92, RIGHT = 12, AXIS = 24, GAP = 18, CPU_H = 84, CPU_AXIS = 16;
  const TASK_COLOURS = {
    do_fetch: "#8dd3c7", do_unpack: "#b3de69", do_patch: "#ccebc5", do_prepare_recipe_sysroot: "#d9d9d9",
    do_configure: "#fdb462", do_compile: "#80b1d3", do_install: "#bebada", do_populate_sysroot: "#fccde5",
    do_package: "#ffed6f", do_packagedata: "#e5d8bd", do_package_write_ipk: "#f4cae4", do_rootfs: "#fb8072",
    do_image: "#fb8072", do_deploy: "#bc80bd",
  };
  const OTHER_COLOURS = ["#a6cee3", "#b2df8a", "#fdbf6f", "#cab2d6", "#ffff99", "#e0c9a6", "#99d8c9", "#c7e9c0"];
  const RESTORE_COLOURS = { local: "#66c2a5", mirror: "#3288bd", refused: "#d53e4f" };

  const el = (name, attrs, parent) => {
    const e = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    if (parent) parent.appendChild(e);
    return e;
  };
  const html = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const secs = (s) => {
    if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m} min ${String(Math.round(s - m * 60)).padStart(2, "0")} s`;
    return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
  };
  // Axis and range labels: seconds for a short build, m:ss (h:mm:ss) for longer ones.
  let shortBuild = false;
  const clock = (s) => {
    if (shortBuild) return `${Number(s.toFixed(1))} s`;
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const ss = r % 1 === 0 ? String(r).padStart(2, "0") : r.toFixed(1).padStart(4, "0");
    return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
  };
  const colourOf = (task) => {
    if (TASK_COLOURS[task]) return TASK_COLOURS[task];
    let h = 0;
    for (const c of task) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    return OTHER_COLOURS[h % OTHER_COLOURS.length];
  };
  const taskOf = (name) => name.slice(name.lastIndexOf(":") + 1);

  async function load() {
    const b64 = document.getElementById("report-data").textContent.trim();
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return JSON.parse(await new Response(stream).text());
  }

  function draw(m) {
    const items = [
      ...m.tasks.map((t) => ({ kind: "task", ...t, lane: t.slot })),
      ...m.restores.map((r) => ({ kind: "restore", ...r, lane: m.slots + r.lane })),
    ];
    const restoreLanes = m.restores.reduce((a, r) => Math.max(a, r.lane + 1), 0);
    const labels = [];
    for (let i = 0; i < m.slots; i++) labels.push(`worker ${i + 1}`);
    for (let i = 0; i < restoreLanes; i++) labels.push(`setscene ${i + 1}`);
    const full = Math.max(m.duration, 0.01);
    shortBuild = full < 120;
    const minSpan = Math.min(full, 0.05);
    let view = { t0: 0, t1: full };
    const lanesH = labels.length * ROW;
    const cpuTop = AXIS + lanesH + GAP;
    const height = cpuTop + CPU_H + CPU_AXIS;

    chart.textContent = "";
    const svg = el("svg", { class: "timeline", height, role: "img", "aria-label": "timeline of the build's tasks" }, chart);
    const defs = el("defs", {}, svg);
    const clip = el("clipPath", { id: "plot-clip" }, defs);
    const clipRect = el("rect", { x: GUTTER, y: 0, height }, clip);
    const axis = el("g", { class: "axis" }, svg);
    const lanes = el("g", { class: "lanes" }, svg);
    const plot = el("g", { "clip-path": "url(#plot-clip)" }, svg);
    const grid = el("g", { class: "grid" }, plot);
    const bars = el("g", { class: "bars" }, plot);
    const names = el("g", { class: "names" }, plot);
    const cpu = el("g", { class: "cpu" }, plot);
    const cpuFrame = el("g", { class: "cpu-frame" }, svg);

    labels.forEach((label, i) => {
      el("rect", { class: i % 2 ? "stripe odd" : "stripe", x: 0, y: AXIS + i * ROW, height: ROW, width: "100%" }, lanes);
      el("text", { class: "lane-label", x: 6, y: AXIS + i * ROW + ROW / 2 + 4 }, lanes).textContent = label;
    });
    el("text", { class: "lane-label", x: 6, y: cpuTop + 14 }, cpuFrame).textContent = "CPU use";
    el("text", { class: "lane-label small", x: 6, y: cpuTop + 28 }, cpuFrame).textContent = m.cpus ? `${m.cpus} CPUs` : "";

    const rects = items.map((it, i) => {
      const critical = it.kind === "task" && it.critical;
      const cls = ["bar", it.kind, critical ? "critical" : "", it.kind === "task" && !it.ok ? "failed" : ""].filter(Boolean).join(" ");
      const fill = it.kind === "task" ? colourOf(taskOf(it.name)) : RESTORE_COLOURS[it.result];
      return el("rect", { class: cls, y: AXIS + it.lane * ROW + 3, height: ROW - 6, fill, "data-i": i, "data-task": it.name }, bars);
    });

    const cpuPaths = ["user", "system", "iowait"].map((k) => el("path", { class: `cpu-${k}` }, cpu));
    let width = 0;
    const x = (t) => GUTTER + ((t - view.t0) / (view.t1 - view.t0)) * (width - GUTTER - RIGHT);

    function layout() {
      width = Math.max(320, chart.clientWidth);
      svg.setAttribute("width", width);
      clipRect.setAttribute("width", Math.max(0, width - GUTTER - RIGHT + 1));
      let visible = 0;
      items.forEach((it, i) => {
        const r = rects[i];
        if (it.end < view.t0 || it.start > view.t1) {
          r.setAttribute("display", "none");
          return;
        }
        visible++;
        r.removeAttribute("display");
        const x0 = x(it.start);
        r.setAttribute("x", x0.toFixed(1));
        r.setAttribute("width", Math.max(1, x(it.end) - x0).toFixed(1));
      });
      // Names inside the bars wide enough to hold them (a few hundred at most).
      names.textContent = "";
      let named = 0;
      for (const it of items) {
        if (named >= 400 || it.end < view.t0 || it.start > view.t1) continue;
        const x0 = Math.max(x(it.start), GUTTER), x1 = Math.min(x(it.end), width - RIGHT);
        const text = it.name;
        if (x1 - x0 < text.length * 6.2 + 8) continue;
        el("text", { x: x0 + 4, y: AXIS + it.lane * ROW + ROW / 2 + 4 }, names).textContent = text;
        named++;
      }
      drawAxis();
      drawCpu();
      svg.dataset.viewStart = String(view.t0);
      svg.dataset.viewEnd = String(view.t1);
      svg.dataset.visibleBars = String(visible);
      rangeLabel.textContent = `showing ${clock(round1(view.t0))} – ${clock(round1(view.t1))} of ${secs(full)}`;
    }

    function round1(t) {
      return Math.round(t * 10) / 10;
    }

    function drawAxis() {
      axis.textContent = "";
      grid.textContent = "";
      const span = view.t1 - view.t0;
      const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];
      const px = (width - GUTTER - RIGHT) / span;
      const step = steps.find((s) => s * px >= 80) || steps[steps.length - 1];
      for (let t = Math.ceil(view.t0 / step) * step; t <= view.t1 + 1e-9; t += step) {
        const xt = x(t);
        el("line", { x1: xt, x2: xt, y1: AXIS - 4, y2: height - CPU_AXIS }, grid);
        el("text", { x: xt, y: AXIS - 8, "text-anchor": "middle" }, axis).textContent = clock(Math.round(t * 10) / 10);
      }
      el("line", { class: "baseline", x1: GUTTER, x2: width - RIGHT, y1: cpuTop + CPU_H, y2: cpuTop + CPU_H }, axis);
      el("text", { class: "small", x: GUTTER - 4, y: cpuTop + 8, "text-anchor": "end" }, axis).textContent = "100%";
      el("text", { class: "small", x: GUTTER - 4, y: cpuTop + CPU_H, "text-anchor": "end" }, axis).textContent = "0";
    }

    // Stacked steps: user at the bottom, system on it, iowait on top; each value holds over the
    // interval before its sample.
    function drawCpu() {
      const pts = m.cpu;
      if (pts.length === 0) return;
      const y = (v) => cpuTop + CPU_H - v * CPU_H;
      let lo = 0;
      while (lo < pts.length - 1 && pts[lo + 1].t < view.t0) lo++;
      let hi = pts.length - 1;
      while (hi > 0 && pts[hi - 1].t > view.t1) hi--;
      const keys = ["user", "system", "iowait"];
      keys.forEach((k, ki) => {
        const top = [], bottom = [];
        for (let i = lo; i <= hi; i++) {
          const p = pts[i];
          const from = i === 0 ? Math.max(0, p.t - 1) : pts[i - 1].t;
          let below = 0;
          for (let j = 0; j < ki; j++) below += p[keys[j]];
          const above = below + p[k];
          top.push(`${x(from).toFixed(1)},${y(above).toFixed(1)}`, `${x(p.t).toFixed(1)},${y(above).toFixed(1)}`);
          bottom.push(`${x(from).toFixed(1)},${y(below).toFixed(1)}`, `${x(p.t).toFixed(1)},${y(below).toFixed(1)}`);
        }
        cpuPaths[ki].setAttribute("d", `M${top.join("L")}L${bottom.reverse().join("L")}Z`);
      });
    }

    function zoom(factor, at) {
      const span = view.t1 - view.t0;
      const next = Math.min(full, Math.max(minSpan, span * factor));
      const centre = at === undefined ? view.t0 + span / 2 : at;
      let t0 = centre - (centre - view.t0) * (next / span);
      t0 = Math.min(Math.max(0, t0), full - next);
      view = { t0, t1: t0 + next };
      layout();
    }
    function pan(dt) {
      const span = view.t1 - view.t0;
      const t0 = Math.min(Math.max(0, view.t0 + dt), full - span);
      view = { t0, t1: t0 + span };
      layout();
    }
    const timeAt = (clientX) => {
      const box = svg.getBoundingClientRect();
      return view.t0 + ((clientX - box.left - GUTTER) / (width - GUTTER - RIGHT)) * (view.t1 - view.t0);
    };

    svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) pan(((e.deltaX || e.deltaY) / (width - GUTTER)) * (view.t1 - view.t0));
      else zoom(Math.exp(e.deltaY * 0.0015), timeAt(e.clientX));
    }, { passive: false });

    let drag = null;
    svg.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, view, moved: false };
    });
    window.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      if (Math.abs(dx) > 3) drag.moved = true;
      if (!drag.moved) return;
      const span = drag.view.t1 - drag.view.t0;
      const t0 = Math.min(Math.max(0, drag.view.t0 - (dx / (width - GUTTER - RIGHT)) * span), full - span);
      view = { t0, t1: t0 + span };
      svg.classList.add("panning");
      layout();
    });
    window.addEventListener("pointerup", () => {
      svg.classList.remove("panning");
      setTimeout(() => (drag = null), 0);
    });

    document.querySelectorAll("[data-zoom]").forEach((b) =>
      b.addEventListener("click", () => {
        const how = b.getAttribute("data-zoom");
        if (how === "in") zoom(0.5);
        else if (how === "out") zoom(2);
        else {
          view = { t0: 0, t1: full };
          layout();
        }
      }),
    );
    document.addEventListener("keydown", (e) => {
      if (e.target instanceof HTMLInputElement) return;
      const span = view.t1 - view.t0;
      if (e.key === "+" || e.key === "=") zoom(0.5);
      else if (e.key === "-") zoom(2);
      else if (e.key === "0") { view = { t0: 0, t1: full }; layout(); }
      else if (e.key === "ArrowLeft") pan(-span / 5);
      else if (e.key === "ArrowRight") pan(span / 5);
      else if (e.key === "Escape") unpin();
    });
    document.getElementById("only-critical").addEventListener("change", (e) => svg.classList.toggle("dim", e.target.checked));

    // Details of the task under the pointer; a click keeps them (to select the log's path).
    let pinned = null;
    function details(it) {
      const when = `started at ${clock(round1(it.start))}, took ${secs(it.end - it.start)}`;
      if (it.kind === "restore") {
        const how = it.result === "refused" ? "sstate object refused: the task ran instead" : `restored from shared state (${it.result === "local" ? "local cache" : "mirror"})`;
        return `<b>${html(it.name)}</b> <span class="pf">${html(it.pf)}</span><p>${how}</p><p>${when}</p><p>signature <code>${html(it.unihash)}</code></p>`;
      }
      const cpuText = it.cpu === null ? "" : `, CPU ${secs(it.cpu)}`;
      return (
        `<b>${html(it.name)}</b> <span class="pf">${html(it.pf)}</span>` +
        (it.ok ? "" : ` <span class="bad">FAILED</span>`) + (it.critical ? ` <span class="crit">critical path</span>` : "") +
        `<p>${when}${cpuText} on worker ${it.slot + 1}</p>` +
        (it.unihash ? `<p>signature <code>${html(it.unihash)}</code></p>` : "") +
        (it.log ? `<p>log <code>${html(it.log)}</code></p>` : "") +
        (it.tail.length > 0 ? `<pre>${html(it.tail.join("\n"))}</pre>` : it.log ? `<p class="note">(the log is gone)</p>` : "")
      );
    }
    function show(it, e) {
      tip.innerHTML = details(it);
      tip.hidden = false;
      const pad = 14;
      const w = tip.offsetWidth, h = tip.offsetHeight;
      let left = e.clientX + pad, top = e.clientY + pad;
      if (left + w > window.innerWidth - 4) left = Math.max(4, e.clientX - w - pad);
      if (top + h > window.innerHeight - 4) top = Math.max(4, e.clientY - h - pad);
      tip.style.left = `${left + window.scrollX}px`;
      tip.style.top = `${top + window.scrollY}px`;
    }
    function unpin() {
      pinned = null;
      tip.classList.remove("pinned");
      tip.hidden = true;
    }
    const itemAt = (target) => {
      const r = target.closest && target.closest("rect.bar");
      return r ? items[Number(r.getAttribute("data-i"))] : null;
    };
    svg.addEventListener("pointermove", (e) => {
      if (pinned || (drag && drag.moved)) return;
      const it = itemAt(e.target);
      if (it) show(it, e);
      else tip.hidden = true;
    });
    svg.addEventListener("pointerleave", () => {
      if (!pinned) tip.hidden = true;
    });
    svg.addEventListener("click", (e) => {
      if (drag && drag.moved) return;
      const it = itemAt(e.target);
      if (!it) return unpin();
      pinned = it;
      show(it, e);
      tip.classList.add("pinned");
    });

    // The legend: the kinds of task in this build, most frequent first.
    const counts = new Map();
    for (const t of m.tasks) counts.set(taskOf(t.name), (counts.get(taskOf(t.name)) || 0) + 1);
    const legend = document.getElementById("legend");
    const swatch = (cls, style, label) => `<span class="key"><i class="${cls}" style="${style}"></i>${html(label)}</span>`;
    legend.innerHTML =
      [...counts].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([k]) => swatch("", `background:${colourOf(k)}`, k)).join("") +
      swatch("crit", "", "critical path") + swatch("fail", "", "failed") +
      (m.restores.length > 0 ? swatch("", `background:${RESTORE_COLOURS.local}`, "restored (local)") + swatch("", `background:${RESTORE_COLOURS.mirror}`, "restored (mirror)") : "") +
      swatch("", "background:#4c78a8", "CPU user") + swatch("", "background:#e45756", "CPU system") + swatch("", "background:#bab0ac", "CPU iowait");

    layout();
    window.addEventListener("resize", layout);
    document.body.dataset.ready = "1";
  }

  load().then(draw, (err) => {
    chart.textContent = `The timeline cannot be drawn here: ${err && err.message ? err.message : err}`;
    document.body.dataset.ready = "error";
  });
})();
