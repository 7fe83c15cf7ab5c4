// Framtidsverksted: progressive enhancement. Every form works without this script; with it,
// answers, ideas and votes are sent in the background and results arrive live (Server-Sent
// Events, polling as fallback). User text is only ever inserted with textContent.

const dataEl = document.getElementById("ws-data");
const D = dataEl ? JSON.parse(dataEl.textContent) : {};
const API = D.code ? `/api/workshops/${encodeURIComponent(D.code)}` : "";
const locale = { nb: "nb-NO", nn: "nn-NO", en: "en-GB" }[D.lang || document.documentElement.lang] || "nb-NO";

function fmt(x, digits = 0) {
  if (x === null || x === undefined || !isFinite(x)) return "–";
  return new Intl.NumberFormat(locale, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

function text(key, n) {
  const s = (D.text || {})[key] || "";
  return n === undefined ? s : s.replace("{n}", n);
}

async function send(method, url, body) {
  const res = await fetch(url, {
    method, headers: { "Content-Type": "application/json", "Accept": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin",
  });
  let data = null;
  try { data = await res.json(); } catch (e) { data = null; }
  if (!res.ok) {
    let msg = text("failed");
    if (data && typeof data.detail === "string") msg = data.detail;
    else if (data && Array.isArray(data.detail) && data.detail[0]) msg = data.detail[0].msg;
    const err = new Error(msg); err.status = res.status; throw err;
  }
  return data;
}

// --- the facilitator link: #key=… fills the key form and signs in (the key never goes in a URL) --
const keyForm = document.querySelector("[data-key-form]");
if (keyForm && location.hash.startsWith("#key=")) {
  const key = decodeURIComponent(location.hash.slice(5));
  history.replaceState(null, "", location.pathname + location.search);
  keyForm.querySelector("input[name=key]").value = key;
  keyForm.submit();
}
document.querySelectorAll("[data-select-all]").forEach((el) => {
  el.addEventListener("focus", () => el.select());
});

// --- participant -----------------------------------------------------------------------------
function setupParticipant() {
  const pid = D.participant_id;
  document.querySelectorAll(".ws-question").forEach((form) => {
    const qid = form.dataset.question;
    const status = form.querySelector("[data-saved]");
    const range = form.querySelector("input[type=range]");
    const out = range ? document.getElementById(range.id + "-out") : null;
    if (range && out) {
      const digits = Number(out.dataset.digits || 0);
      range.addEventListener("input", () => { out.textContent = fmt(Number(range.value), digits); });
    }
    if (!pid) return;
    let timer = null;
    const save = async () => {
      const input = form.querySelector("input[name=value]:checked") || range;
      if (!input) return;
      status.textContent = text("saving");
      try {
        await send("PUT", `${API}/answers/${qid}`, { participant_id: pid, value: Number(input.value) });
        status.textContent = text("saved");
      } catch (e) {
        status.textContent = e.message;
      }
    };
    form.addEventListener("submit", (ev) => { ev.preventDefault(); save(); });
    form.querySelectorAll("input[type=radio]").forEach((r) => r.addEventListener("change", save));
    if (range) range.addEventListener("change", () => { clearTimeout(timer); timer = setTimeout(save, 300); });
  });

  const ideaForm = document.querySelector("[data-idea-form]");
  if (ideaForm && pid) {
    const area = ideaForm.querySelector("textarea");
    const counter = ideaForm.querySelector("[data-counter]");
    const status = ideaForm.querySelector("[data-idea-status]");
    const max = Number(area.getAttribute("maxlength") || 280);
    const update = () => { counter.textContent = text("left", fmt(max - area.value.length)); };
    area.addEventListener("input", update);
    ideaForm.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await send("POST", `${API}/ideas`, { participant_id: pid, text: area.value });
        area.value = ""; update();
        status.textContent = text("sent");
        refresh();
      } catch (e) {
        status.textContent = e.message;
      }
    });
  }
  bindVotes(document);
}

function bindVotes(root) {
  if (!D.participant_id) return;
  root.querySelectorAll("form[data-vote]").forEach((form) => {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const btn = form.querySelector("button");
      try {
        const r = await send("POST", `${API}/ideas/${form.dataset.vote}/votes`, { participant_id: D.participant_id });
        btn.disabled = true;
        btn.firstChild.textContent = text("voted");
        form.querySelector(".votes").textContent = text("votes", fmt(r.votes));
      } catch (e) {
        form.querySelector(".votes").textContent = e.message;
      }
    });
  });
}

function updateParticipantIdeas(ideas) {
  const list = document.querySelector("[data-ideas]");
  if (!list || !D.participant_id) return;
  for (const idea of ideas) {
    const li = document.getElementById(`idea-${idea.id}`);
    if (li) li.querySelector(".votes").textContent = text("votes", fmt(idea.votes));
  }
}

// --- facilitator: live results on the big screen ---------------------------------------------
function updateHost(res) {
  const p = document.querySelector("[data-participants]");
  if (p) p.textContent = fmt(res.participants);
  for (const [qid, a] of Object.entries(res.answers || {})) {
    const block = document.querySelector(`[data-qresult="${qid}"]`);
    if (!block) continue;
    const count = block.querySelector(`[data-count="${qid}"]`);
    if (count) count.textContent = fmt(a.count);
    if (a.distribution) {
      for (const [k, n] of Object.entries(a.distribution)) {
        const fill = block.querySelector(`[data-fill="${k}"]`);
        const num = block.querySelector(`[data-n="${k}"]`);
        if (fill) fill.style.width = (a.count ? (100 * n / a.count) : 0).toFixed(1) + "%";
        if (num) num.textContent = fmt(n);
      }
    }
    const med = block.querySelector(`[data-median="${qid}"]`);
    if (med) med.textContent = a.median === null ? "–" : fmt(a.median, 1);
  }
  const list = document.querySelector("[data-ideas]");
  if (list && res.ideas) {
    const csrf = (document.querySelector("input[name=csrf]") || {}).value || "";
    const action = `/${D.lang}/w/${encodeURIComponent(D.code)}/host/action`;
    const hideLabel = (document.querySelector(".ideas-live button[value=hide]") || {}).firstChild;
    list.replaceChildren();
    const top = res.ideas.slice(0, 10);
    if (!top.length) {
      const li = document.createElement("li"); li.className = "muted"; li.textContent = text("none");
      list.append(li);
    }
    for (const idea of top) {
      const li = document.createElement("li");
      li.id = `idea-${idea.id}`;
      const span = document.createElement("span"); span.className = "idea-text"; span.textContent = idea.text;
      const votes = document.createElement("span"); votes.className = "votes"; votes.textContent = " " + text("votes", fmt(idea.votes));
      li.append(span, " ", votes);
      const form = document.createElement("form");
      form.method = "post"; form.action = action; form.className = "inline";
      for (const [name, value] of [["csrf", csrf], ["idea", String(idea.id)]]) {
        const i = document.createElement("input"); i.type = "hidden"; i.name = name; i.value = value; form.append(i);
      }
      const b = document.createElement("button");
      b.type = "submit"; b.name = "action"; b.value = "hide"; b.className = "secondary small";
      b.textContent = hideLabel ? hideLabel.textContent : "×";
      const sr = document.createElement("span"); sr.className = "sr-only"; sr.textContent = ": " + idea.text.slice(0, 40);
      b.append(sr);
      form.append(b);
      li.append(" ", form);
      list.append(li);
    }
  }
  if (D.scenario_step && res.scenario) updateScenario(res.scenario);
}

let lastScenario = null;
async function updateScenario(scenario) {
  const key = JSON.stringify(scenario);
  if (key === lastScenario) return;
  const first = lastScenario === null;
  lastScenario = key;
  for (const [lever, v] of Object.entries(scenario)) {
    const el = document.querySelector(`[data-scenario="${lever}"]`);
    if (el) el.textContent = fmt(v, 1);
  }
  if (first) return;            // the page was rendered with this scenario
  try {
    const pic = await send("GET", `${API}/picture?lang=${D.lang}`);
    if (!pic) return;
    for (const r of pic.rows) {
      const cell = document.querySelector(`tr[data-ind="${r.indicator}"] [data-cell="room"]`);
      if (cell) {
        const digits = r.indicator.startsWith("aldersbaereevne") ? 1 : 0;
        cell.textContent = r.indicator.startsWith("share") || r.indicator.startsWith("care_share")
          ? fmt(r.room * 100, 1) + " %" : fmt(r.room, digits);
      }
    }
    const link = document.querySelector("[data-sim-link]");
    if (link) link.href = pic.simulate_url;
  } catch (e) { /* the table keeps its last numbers */ }
}

// --- live updates: SSE, else polling ----------------------------------------------------------
const statusEl = document.querySelector("[data-live-status]");
let busyTyping = false;

function onResults(res) {
  if (res.gone) { if (statusEl) statusEl.textContent = text("closed"); return; }
  const changed = res.revision !== D.revision || res.step !== D.step || res.state !== D.state;
  if (changed) {
    const area = document.querySelector("[data-idea-form] textarea");
    busyTyping = area && area.value.trim().length > 0;
    if (!busyTyping) { location.reload(); return; }
    if (statusEl) statusEl.textContent = text("updated");
  }
  if (D.role === "host") updateHost(res); else updateParticipantIdeas(res.ideas || []);
}

async function refresh() {
  try { onResults(await send("GET", `${API}/results`)); } catch (e) { /* try again later */ }
}

function live() {
  if (!API) return;
  let failures = 0;
  const poll = () => { refresh(); setTimeout(poll, 4000); };
  if (!("EventSource" in window)) { poll(); return; }
  const es = new EventSource(`${API}/events`);
  es.addEventListener("results", (ev) => { failures = 0; onResults(JSON.parse(ev.data)); });
  es.addEventListener("error", () => {
    failures += 1;
    if (failures >= 3) { es.close(); poll(); }
  });
}

if (D.role === "participant") setupParticipant();
if (D.role === "participant" || D.role === "host") live();
