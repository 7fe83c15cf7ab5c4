// Framtidsbilder: progressive enhancement. Every page works without this file; it adds live
// charts (Vega-Embed, served by framtid itself), search suggestions, a live map and a live simulator.
const LANG = document.documentElement.lang || "nb";
const TEXT = JSON.parse(document.getElementById("js-text")?.textContent || "{}");
const NUM_LOCALE = LANG === "en" ? "en-GB" : "nb-NO";
const D3_LOCALE = LANG === "en"
  ? { decimal: ".", thousands: ",", grouping: [3], currency: ["", ""] }
  : { decimal: ",", thousands: "\u00a0", grouping: [3], currency: ["", "\u00a0kr"] };

const fmt = (s, vals) => s.replace(/\{(\w+)\}/g, (m, k) => (k in vals ? vals[k] : m));
const debounce = (fn, ms) => { let h; return (...a) => { clearTimeout(h); h = setTimeout(() => fn(...a), ms); }; };

// --- charts -------------------------------------------------------------------------------
// Fit a chart to its box: a single or layered view gets the box's width (autosize «fit»);
// panels side by side (hconcat) are stacked (vconcat) when they do not fit, each as wide as the
// box. So a chart never scrolls sideways and its text keeps its size.
const AXIS_ROOM = 64;   // y-axis labels and title beside a panel
function fitSpec(spec, avail) {
  if (!avail) return spec;
  const pad = typeof spec.padding === "number" ? spec.padding : 5;
  const inner = avail - 2 * pad;
  if (Array.isArray(spec.hconcat)) {
    const spacing = spec.config?.concat?.spacing ?? 20;
    const need = spec.hconcat.reduce((s, p) => s + (typeof p.width === "number" ? p.width : 260) + AXIS_ROOM, 0)
      + spacing * (spec.hconcat.length - 1);
    if (need > inner) {
      spec.vconcat = spec.hconcat;
      delete spec.hconcat;
      for (const p of spec.vconcat) {
        if (typeof p.width === "number" && p.width + AXIS_ROOM > inner) p.width = Math.max(160, inner - AXIS_ROOM);
      }
    }
  } else if (typeof spec.width === "number" && spec.width > inner) {
    spec.width = avail;
    spec.autosize = { type: "fit", contains: "padding" };
  }
  return spec;
}

async function embedFigure(fig) {
  const specEl = fig.querySelector("script.chart-spec");
  const view = fig.querySelector(".chart-view");
  if (!specEl || !view || typeof window.vegaEmbed !== "function") return;
  try {
    const spec = fitSpec(JSON.parse(specEl.textContent), view.clientWidth);
    if (fig.dataset.kind === "map") {   // Norway is tall: use the width and most of the screen
      spec.height = Math.round(Math.max(360, Math.min(view.clientWidth * 1.25, window.innerHeight * 0.92, 1000)));
    }
    if (fig._vega) { fig._vega.finalize(); }
    const fallback = view.querySelector(".chart-static");
    fig._vega = await window.vegaEmbed(view, spec, {
      renderer: "svg", actions: false, formatLocale: D3_LOCALE, defaultStyle: false,
    });
    fallback?.remove();
    fig._width = view.clientWidth;
    // The picture repeats what the text alternative and the table say: hide the SVG from
    // screen readers, keep any controls (e.g. a year slider) reachable.
    view.querySelectorAll("svg").forEach((svg) => svg.setAttribute("aria-hidden", "true"));
    if (fig.dataset.kind === "map") mapLinks(fig);
    fig.classList.add("is-live");
  } catch (err) {
    console.warn("chart failed", err);
  }
}
// Re-fit when the box changes width (rotation, a resized window).
window.addEventListener("resize", debounce(() => {
  document.querySelectorAll("figure.is-live").forEach((fig) => {
    const w = fig.querySelector(".chart-view")?.clientWidth;
    if (w && Math.abs(w - (fig._width || 0)) > 24) embedFigure(fig);
  });
}, 250));

// The national map: a click on a kommune opens its page, and so does Enter on a kommune with
// keyboard focus. The kommuner are one tab stop (a roving tabindex): Tab reaches the first in
// name order, the arrow keys (Home, End) move between them, Enter opens the focused one. For
// assistive technology the map is a group of links named by kommune; the rest of the picture
// (legend, decoration) stays hidden, as on every chart (the table repeats it).
function mapLinks(fig) {
  const lang = LANG;
  const view = fig._vega.view;
  const open = (code) => { window.location.href = `/${lang}/region/${code}`; };
  view.addEventListener("click", (event, item) => {
    const code = item?.datum?.properties?.kommunenummer;
    if (code) open(code);
  });
  const svg = fig.querySelector(".chart-view svg");
  if (!svg) return;
  svg.style.cursor = "pointer";
  const items = [];
  (function walk(node) {
    if (!node) return;
    const p = node.datum?.properties;
    if (p?.kommunenummer && node._svg) {
      items.push({ el: node._svg, code: p.kommunenummer, name: p.kommunenavn || p.name || p.kommunenummer });
    }
    if (node.items) node.items.forEach(walk);
  })(view.scenegraph().root);
  if (!items.length) return;
  items.sort((a, b) => a.name.localeCompare(b.name, "nb"));
  const links = new Set(items.map((it) => it.el));
  const holders = new Set();
  for (const el of links) {
    for (let up = el.parentElement; up && up !== svg; up = up.parentElement) holders.add(up);
  }
  (function expose(el) {
    for (const child of el.children) {
      if (links.has(child)) continue;
      if (holders.has(child)) {
        child.setAttribute("role", "none");
        child.removeAttribute("aria-label");
        child.removeAttribute("aria-roledescription");
        expose(child);
      } else {
        child.setAttribute("aria-hidden", "true");
      }
    }
  })(svg);
  svg.removeAttribute("aria-hidden");
  svg.removeAttribute("aria-roledescription");
  svg.setAttribute("role", "group");
  svg.setAttribute("aria-label", fig.querySelector(".chart-title")?.textContent?.trim() || "");
  items.forEach((it, i) => {
    it.el.setAttribute("role", "link");
    it.el.setAttribute("aria-label", it.name);
    it.el.removeAttribute("aria-roledescription");
    it.el.setAttribute("tabindex", i === 0 ? "0" : "-1");
    it.el.dataset.code = it.code;
  });
  svg.addEventListener("keydown", (e) => {
    const i = items.findIndex((it) => it.el === document.activeElement);
    if (i < 0) return;
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(items[i].code); return; }
    const step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    let j = null;
    if (step) j = (i + step + items.length) % items.length;
    else if (e.key === "Home") j = 0;
    else if (e.key === "End") j = items.length - 1;
    if (j === null) return;
    e.preventDefault();
    items[i].el.setAttribute("tabindex", "-1");
    items[j].el.setAttribute("tabindex", "0");
    items[j].el.focus();
  });
}
function embedAll(root = document) { root.querySelectorAll("figure[data-chart]").forEach(embedFigure); }

function tableHTML(tb) {
  // Built with DOM methods: every value is text, never markup.
  const wrap = document.createElement("div");
  wrap.className = "table-scroll"; wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", tb.caption); wrap.tabIndex = 0;
  const table = document.createElement("table"); table.className = "data";
  const cap = document.createElement("caption"); cap.textContent = tb.caption; table.append(cap);
  const thead = document.createElement("thead"); const hr = document.createElement("tr");
  for (const c of tb.columns) { const th = document.createElement("th"); th.scope = "col"; th.textContent = c; hr.append(th); }
  thead.append(hr); table.append(thead);
  const tbody = document.createElement("tbody");
  for (const row of tb.rows) {
    const tr = document.createElement("tr");
    row.forEach((cell, i) => {
      const el = document.createElement(i === 0 ? "th" : "td");
      if (i === 0) el.scope = "row";
      el.textContent = cell; tr.append(el);
    });
    tbody.append(tr);
  }
  table.append(tbody); wrap.append(table);
  return wrap;
}

function updateFigure(fig, ch) {
  const title = fig.querySelector(".chart-title");
  if (title) title.textContent = ch.title;
  fig.querySelector(".chart-alt").textContent = ch.alt;
  const details = fig.querySelector("details.chart-table");
  const old = details.querySelector(".table-scroll");
  old.replaceWith(tableHTML(ch.table));
  fig.querySelector("script.chart-spec").textContent = JSON.stringify(ch.spec);
  embedFigure(fig);
}

// --- search suggestions (ARIA 1.2 combobox with a listbox popup) -----------------------------
let comboCount = 0;
function combobox(input) {
  const n = ++comboCount;
  const list = document.createElement("ul");
  list.id = `suggest-${n}`; list.setAttribute("role", "listbox"); list.hidden = true;
  list.setAttribute("aria-label", TEXT.listbox_label || "");
  const status = document.createElement("p");
  status.className = "sr-only"; status.setAttribute("aria-live", "polite");
  input.parentElement.append(list, status);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  const fill = input.hasAttribute("data-fill");
  let items = [], active = -1, ctrl = null;

  const close = () => { list.hidden = true; input.setAttribute("aria-expanded", "false"); input.removeAttribute("aria-activedescendant"); active = -1; };
  const setActive = (i) => {
    active = i;
    [...list.children].forEach((li, j) => li.setAttribute("aria-selected", j === i ? "true" : "false"));
    if (i >= 0) { input.setAttribute("aria-activedescendant", list.children[i].id); list.children[i].scrollIntoView({ block: "nearest" }); }
    else input.removeAttribute("aria-activedescendant");
  };
  const choose = (i) => {
    const hit = items[i]; if (!hit) return;
    if (fill) { input.value = hit.name; close(); }
    else { window.location.href = hit.url; }
  };
  const render = () => {
    list.replaceChildren();
    items.forEach((hit, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`; li.setAttribute("role", "option"); li.setAttribute("aria-selected", "false");
      li.append(document.createTextNode(hit.name + " "));
      const small = document.createElement("span"); small.className = "muted";
      small.textContent = `${(TEXT.level || {})[hit.level] || hit.level} · ${hit.code}`;
      li.append(small);
      li.addEventListener("mousedown", (e) => { e.preventDefault(); choose(i); });
      list.append(li);
    });
    const open = items.length > 0;
    list.hidden = !open; input.setAttribute("aria-expanded", open ? "true" : "false");
    status.textContent = open ? fmt(TEXT.suggestions || "{n}", { n: items.length }) : (input.value.trim() ? TEXT.no_suggestions || "" : "");
    active = -1;
  };
  const lookup = debounce(async () => {
    const q = input.value.trim();
    if (!q) { items = []; render(); return; }
    if (ctrl) ctrl.abort(); ctrl = new AbortController();
    try {
      const r = await fetch(`/api/regions/search?q=${encodeURIComponent(q)}&limit=8&lang=${LANG}`, { signal: ctrl.signal });
      if (!r.ok) return;
      items = await r.json(); render();
    } catch (e) { if (e.name !== "AbortError") console.warn(e); }
  }, 120);

  input.addEventListener("input", lookup);
  input.addEventListener("keydown", (e) => {
    if (list.hidden && e.key === "ArrowDown" && items.length) { render(); setActive(0); e.preventDefault(); return; }
    if (list.hidden) return;
    if (e.key === "ArrowDown") { setActive(Math.min(active + 1, items.length - 1)); e.preventDefault(); }
    else if (e.key === "ArrowUp") { setActive(Math.max(active - 1, 0)); e.preventDefault(); }
    else if (e.key === "Enter" && active >= 0) { choose(active); e.preventDefault(); }
    else if (e.key === "Escape") { close(); e.preventDefault(); }
  });
  input.addEventListener("blur", () => setTimeout(close, 150));
}

// --- the national map -------------------------------------------------------------------
function mapForm(form) {
  const slot = document.querySelector("[data-map-slot]");
  const status = document.querySelector("[data-map-status]");
  if (!slot) return;
  let ctrl = null;
  const refresh = async () => {
    const params = new URLSearchParams(new FormData(form));
    if (ctrl) ctrl.abort(); ctrl = new AbortController();
    status.textContent = TEXT.map_loading || "";
    try {
      const url = `${form.getAttribute("action")}?${params}`;
      const r = await fetch(url, { signal: ctrl.signal });
      if (!r.ok) throw new Error(r.status);
      const doc = new DOMParser().parseFromString(await r.text(), "text/html");
      const fresh = doc.querySelector("[data-map-slot]");
      slot.replaceChildren(...fresh.childNodes);
      embedAll(slot);
      history.replaceState(null, "", url);
      const title = slot.querySelector(".chart-title")?.textContent || "";
      status.textContent = fmt(TEXT.map_updated || "{title}", { title });
    } catch (e) { if (e.name !== "AbortError") form.submit(); }
  };
  form.querySelectorAll("select").forEach((s) => s.addEventListener("change", refresh));
  form.addEventListener("submit", (e) => { e.preventDefault(); refresh(); });
}

// --- the simulator ---------------------------------------------------------------------------
function simulator(root) {
  const code = root.dataset.code;
  const form = root.querySelector("[data-sim-form]");
  const status = root.querySelector("[data-sim-status]");
  const share = root.querySelector("[data-sim-share]");
  const ranges = [...form.querySelectorAll('input[type="range"]')];
  const nf = (digits) => new Intl.NumberFormat(NUM_LOCALE, { minimumFractionDigits: 0, maximumFractionDigits: digits });
  let ctrl = null;

  for (const inp of ranges) {   // a shared URL may hold a value between two slider steps
    const asked = parseFloat(inp.getAttribute("value"));
    if (Math.abs(asked - parseFloat(inp.value)) > 1e-9) inp.dataset.exact = String(asked);
  }
  const valueOf = (inp) => (inp.dataset.exact !== undefined ? parseFloat(inp.dataset.exact) : parseFloat(inp.value));
  const showValue = (inp) => {
    const text = nf(parseInt(inp.dataset.digits || "0", 10)).format(valueOf(inp)).replace("-", "\u2212");
    const out = form.querySelector(`output[for="${inp.id}"]`);
    if (out) out.firstChild.textContent = text + " ";
    inp.setAttribute("aria-valuetext", `${text} ${inp.dataset.unit || ""}`.trim());
    inp.closest(".lever").classList.toggle("changed", Math.abs(valueOf(inp) - parseFloat(inp.dataset.default)) > 1e-9);
  };
  const variant = form.querySelector('[name="scenario"]');   // the model variant (main, low, high)
  const query = () => {
    const p = new URLSearchParams();
    if (variant && variant.value && variant.value !== "main") p.set("scenario", variant.value);
    for (const inp of ranges) {
      const v = valueOf(inp);
      if (Math.abs(v - parseFloat(inp.dataset.default)) > 1e-9) p.set(inp.name, String(+v.toFixed(6)));
    }
    return p;
  };
  const update = async () => {
    const q = query();
    if (ctrl) ctrl.abort(); ctrl = new AbortController();
    root.classList.add("busy");
    status.textContent = TEXT.updating || "";
    try {
      const r = await fetch(`/api/regions/${encodeURIComponent(code)}/simulation?lang=${LANG}&${q}`, { signal: ctrl.signal });
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      const sim = await r.json();
      for (const row of sim.rows) {
        const key = root.querySelector(`[data-key="${row.indicator}"]`);
        if (key) {
          key.querySelector('[data-cell="scenario"]').textContent = row.scenario_text;
          key.querySelector('[data-cell="diff"]').textContent = row.diff_text;
        }
        const tr = root.querySelector(`tr[data-ind="${row.indicator}"]`);
        if (!tr) continue;
        tr.querySelector('[data-cell="baseline"]').textContent = row.baseline_text;
        tr.querySelector('[data-cell="scenario"] strong').textContent = row.scenario_text;
        tr.querySelector('[data-cell="diff"]').textContent = row.diff_text;
      }
      for (const ch of sim.charts) {
        const fig = root.querySelector(`[data-slot="${ch.slot}"] figure`);
        if (fig) updateFigure(fig, ch);
      }
      share.href = sim.url;
      document.querySelectorAll("[data-wit-form]").forEach((f) => syncHidden(f, q));
      history.replaceState(null, "", sim.url);
      status.textContent = sim.summary;
    } catch (e) {
      if (e.name !== "AbortError") { status.textContent = TEXT.failed || ""; console.warn(e); }
    } finally { root.classList.remove("busy"); }
  };
  const later = debounce(update, 150);
  for (const inp of ranges) {
    inp.addEventListener("input", () => { delete inp.dataset.exact; showValue(inp); later(); });
  }
  variant?.addEventListener("change", later);
  form.addEventListener("submit", (e) => { e.preventDefault(); update(); });
  const reset = form.querySelector("[data-sim-reset]");
  reset?.addEventListener("click", (e) => {
    e.preventDefault();
    for (const inp of ranges) { delete inp.dataset.exact; inp.value = inp.dataset.default; showValue(inp); }
    if (variant) variant.value = "main";
    update();
  });

  const syncHidden = (f, q) => {
    f.querySelectorAll('input[type="hidden"]').forEach((h) => h.remove());
    for (const [k, v] of q) {
      const h = document.createElement("input"); h.type = "hidden"; h.name = k; h.value = v;
      f.prepend(h);
    }
  };
  // «Dette må til»: solve on the server, move the slider, recompute.
  document.querySelectorAll("[data-wit-form]").forEach((f) => {
    f.addEventListener("submit", async (e) => {
      e.preventDefault();
      const [indicator, lever] = f.querySelector("select").value.split(":");
      const witStatus = document.querySelector("[data-wit-status]");
      witStatus.textContent = TEXT.wit_working || "";
      try {
        const r = await fetch(`/api/regions/${encodeURIComponent(code)}/what-it-takes?indicator=${indicator}&lever=${lever}&lang=${LANG}`);
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        const res = await r.json();
        const v = res.reachable && res.value !== null ? res.value : res.best_value;
        const inp = form.querySelector(`input[name="${lever}"]`);
        if (inp && v !== null && !res.already_met) {
          if (v > parseFloat(inp.max)) inp.max = String(v);
          if (v < parseFloat(inp.min)) inp.min = String(v);
          inp.value = v; inp.dataset.exact = String(v); showValue(inp);
        }
        witStatus.textContent = res.text;
        await update();
      } catch (err) { witStatus.textContent = TEXT.failed || ""; console.warn(err); }
    });
  });
}

// --- start ------------------------------------------------------------------------------
function start() {
  document.querySelectorAll("input[data-autocomplete]").forEach(combobox);
  document.querySelectorAll("[data-map-form]").forEach(mapForm);
  document.querySelectorAll("[data-sim]").forEach(simulator);
  embedAll();
}
start();
