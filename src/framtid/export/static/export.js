// framtid export: keep download, share and print links in step with the simulator's levers and
// the scenario's name while the page updates itself (without JavaScript the form's GET does it).
const root = document.querySelector("[data-sim]");
const form = root?.querySelector("[data-sim-form]");
if (form) {
  const ranges = [...form.querySelectorAll('input[type="range"]')];
  const nameInput = form.querySelector("[data-export-name]");
  const variant = form.querySelector('[name="scenario"]');
  const query = () => {
    const p = new URLSearchParams();
    if (variant && variant.value !== "main") p.set("scenario", variant.value);
    const name = (nameInput?.value || "").trim();
    if (name) p.set("name", name);
    for (const inp of ranges) {
      const v = inp.dataset.exact !== undefined ? parseFloat(inp.dataset.exact) : parseFloat(inp.value);
      if (Math.abs(v - parseFloat(inp.dataset.default)) > 1e-9) p.set(inp.name, String(+v.toFixed(6)));
    }
    const s = p.toString();
    return s ? `?${s}` : "";
  };
  const sync = () => {
    const q = query();
    document.querySelectorAll("[data-export-base]").forEach((a) => { a.href = a.dataset.exportBase + q; });
    document.querySelectorAll("[data-export-compare]").forEach((a) => { a.href = `${a.dataset.exportCompare}?s=${encodeURIComponent(q.slice(1))}`; });
    const url = location.pathname + q;
    const share = root.querySelector("[data-sim-share]");
    if (share) share.href = url;
    const printUrl = document.querySelector("[data-export-print-url]");
    if (printUrl) printUrl.textContent = location.origin + url;
    const printTitle = document.querySelector("[data-export-print-title]");
    if (printTitle && nameInput && nameInput.value.trim()) printTitle.textContent = nameInput.value.trim();
    const list = document.querySelector("[data-export-print-levers]");
    if (list) {
      const items = ranges.filter((inp) => inp.closest(".lever")?.classList.contains("changed"))
        .map((inp) => `${form.querySelector(`label[for="${inp.id}"]`)?.textContent || inp.name}: ${form.querySelector(`output[for="${inp.id}"]`)?.textContent.trim() || inp.value}`);
      if (items.length) {
        list.replaceChildren(...items.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
      }
    }
    const name = (nameInput?.value || "").trim();
    document.querySelectorAll("[data-wit-form]").forEach((f) => {   // «what it takes» keeps the name
      let h = f.querySelector('input[type="hidden"][name="name"]');
      if (!name) { h?.remove(); return; }
      if (!h) { h = Object.assign(document.createElement("input"), { type: "hidden", name: "name" }); f.prepend(h); }
      h.value = name;
    });
    history.replaceState(null, "", url);
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(sync, 700); };
  form.addEventListener("input", later);
  form.addEventListener("submit", later);
  form.addEventListener("click", later);
  const status = root.querySelector("[data-sim-status]");   // the simulator finished an update
  if (status) new MutationObserver(later).observe(status, { childList: true, characterData: true, subtree: true });
}
