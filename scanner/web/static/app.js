// PostSafe review page. No libraries, no external requests: everything talks to this server.
// Names of files are hostile text: they only ever reach the page through textContent.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const LANG_KEY = "postsafe.lang";
  const state = {
    strings: {}, lang: "en", session: null, maxBytes: 0,
    photos: [],          // {id, name, status, el, data}
    current: null,       // photo id under review
    queue: [], busy: false, total: 0, done: 0,
    drawing: false, drag: null,
  };
  const $ = (id) => document.getElementById(id);

  // ---------------------------------------------------------------- words
  function t(key, vars) {
    const table = state.strings[state.lang] || {};
    let text = table[key] || (state.strings.en || {})[key] || key;
    if (vars) {
      for (const [k, v] of Object.entries(vars)) text = text.split("{" + k + "}").join(String(v));
    }
    return text;
  }

  function applyStrings() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll("[data-i18n]").forEach((el) => {
      el.textContent = t(el.dataset.i18n);
    });
    document.querySelectorAll(".lang-btn").forEach((b) => {
      b.setAttribute("aria-pressed", String(b.dataset.lang === state.lang));
    });
    document.title = t("title");
    state.photos.forEach(renderPhotoItem);
    updateLinks();
    if (state.current) loadPhoto(state.current, false);
  }

  function setLang(lang) {
    if (!state.strings[lang]) return;
    state.lang = lang;
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode: not remembered */ }
    applyStrings();
    announce(t("lang.changed"));
  }

  function announce(text) { $("progress").textContent = text; }

  // ---------------------------------------------------------------- server
  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const message = body && (body.detail || body.error) ? (body.detail || body.error) : response.statusText;
      const err = new Error(String(message));
      err.status = response.status;
      throw err;
    }
    return body;
  }

  function base() { return "/api/sessions/" + encodeURIComponent(state.session); }
  function photoUrl(id, rest) { return base() + "/photos/" + encodeURIComponent(id) + rest; }
  function langQuery() { return "?lang=" + encodeURIComponent(state.lang); }

  function updateLinks() {
    if (!state.session) return;
    $("dl-zip").href = base() + "/postsafe-photos.zip" + langQuery();
    $("dl-html").href = base() + "/report.html" + langQuery();
    $("dl-json").href = base() + "/report.json" + langQuery();
  }

  // ---------------------------------------------------------------- adding photos
  function addFiles(files) {
    const list = Array.from(files).filter((f) => f && f.size !== undefined);
    if (!list.length) return;
    $("photos-section").hidden = false;
    for (const file of list) {
      const name = file.relativePath || file.webkitRelativePath || file.name || "photo";
      const photo = { id: null, name: name, status: "waiting", error: null, data: null, el: null };
      state.photos.push(photo);
      renderPhotoItem(photo);
      state.queue.push({ photo: photo, file: file });
      state.total += 1;
    }
    pump();
  }

  async function pump() {
    if (state.busy) return;
    state.busy = true;
    while (state.queue.length) {
      const job = state.queue.shift();
      const photo = job.photo;
      state.done += 1;
      announce(t("progress.checking", { n: state.done, total: state.total, name: photo.name }));
      photo.status = "checking";
      renderPhotoItem(photo);
      try {
        if (state.maxBytes && job.file.size > state.maxBytes) {
          const err = new Error(t("error.too_big"));
          err.status = 413;
          throw err;
        }
        const data = await api(base() + "/photos" + langQuery(), {
          method: "POST",
          headers: { "Content-Type": "application/octet-stream",
                     "X-PostSafe-Name": encodeURIComponent(photo.name) },
          body: job.file,
        });
        photo.id = data.id;
        photo.data = data;
        photo.status = data.status;
        photo.error = data.error;
      } catch (err) {
        photo.status = "error";
        photo.error = err.status === 413 ? t("error.too_big") : err.message;
      }
      renderPhotoItem(photo);
      if (photo.id && !state.current && (photo.status === "clean" || photo.status === "redacted")) {
        selectPhoto(photo.id, false);
      }
    }
    state.busy = false;
    const ready = state.photos.filter((p) => p.status === "clean" || p.status === "redacted").length;
    announce(t("progress.done", { n: ready, total: state.photos.length }));
  }

  function renderPhotoItem(photo) {
    if (!photo.el) {
      photo.el = document.createElement("li");
      photo.el.className = "photo-item";
      $("photo-list").appendChild(photo.el);
    }
    const li = photo.el;
    li.replaceChildren();
    li.dataset.status = photo.status;
    const ok = photo.id && (photo.status === "clean" || photo.status === "redacted");
    const main = document.createElement(ok ? "button" : "div");
    main.className = "photo-main";
    if (ok) {
      main.type = "button";
      main.addEventListener("click", () => selectPhoto(photo.id, true));
      if (state.current === photo.id) main.setAttribute("aria-current", "true");
    }
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = photo.name;
    const badge = document.createElement("span");
    badge.className = "badge st-" + photo.status;
    badge.textContent = statusText(photo);
    main.append(name, " ", badge);
    li.appendChild(main);
    if (photo.id) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button small secondary photo-remove";
      remove.textContent = t("photo.remove");
      remove.setAttribute("aria-label", t("photo.remove.label", { name: photo.name }));
      remove.addEventListener("click", () => removePhoto(photo));
      li.appendChild(remove);
    }
    if (photo.error && !ok) {
      const err = document.createElement("p");
      err.className = "error small";
      err.textContent = photo.error;
      li.appendChild(err);
    }
  }

  async function removePhoto(photo) {
    try {
      await api(photoUrl(photo.id, "/remove"), { method: "POST" });
    } catch (err) {
      if (err.status !== 404) { announce(err.message); return; }
    }
    photo.el.remove();
    state.photos = state.photos.filter((p) => p !== photo);
    if (state.current === photo.id) {
      state.current = null;
      $("review").hidden = true;
    }
    if (!state.photos.length) $("photos-section").hidden = true;
    announce(t("photo.removed", { name: photo.name }));
    $("add-h").focus();
  }

  function statusText(photo) {
    if (photo.status === "waiting") return t("status.waiting");
    if (photo.status === "checking") return t("status.checking");
    if (photo.status === "error") return t("status.error");
    if (photo.status === "skipped") return t("status.skipped");
    const data = photo.data;
    const n = data ? data.findings.filter((f) => f.hidden).length + data.boxes.length : 0;
    return n ? t("status.hidden", { n: n }) : t("status.clean");
  }

  // drop zone: files and whole folders (webkitGetAsEntry walks directories)
  function readEntry(entry, prefix, out) {
    return new Promise((resolve) => {
      if (entry.isFile) {
        entry.file((file) => { file.relativePath = prefix + file.name; out.push(file); resolve(); },
                   () => resolve());
      } else if (entry.isDirectory) {
        const reader = entry.createReader();
        const all = [];
        const next = () => reader.readEntries(async (batch) => {
          if (!batch.length) {
            for (const child of all) await readEntry(child, prefix + entry.name + "/", out);
            resolve();
          } else { all.push(...batch); next(); }
        }, () => resolve());
        next();
      } else { resolve(); }
    });
  }

  async function onDrop(event) {
    event.preventDefault();
    $("drop").classList.remove("over");
    const dt = event.dataTransfer;
    if (!dt) return;
    const items = Array.from(dt.items || []);
    const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
    if (entries.length && entries.every((e) => e)) {
      const out = [];
      for (const entry of entries) await readEntry(entry, "", out);
      addFiles(out);
    } else {
      addFiles(dt.files || []);
    }
  }

  // ---------------------------------------------------------------- review
  async function selectPhoto(id, focus) {
    state.current = id;
    state.photos.forEach(renderPhotoItem);
    $("review").hidden = false;
    const photo = state.photos.find((p) => p.id === id);
    $("original").src = photoUrl(id, "/original.jpg");
    await loadPhoto(id, true);
    if (focus) $("review-h").focus();
    if (photo) photo.el.scrollIntoView({ block: "nearest" });
  }

  async function loadPhoto(id, fresh) {
    const data = await api(photoUrl(id, langQuery()));
    showPhoto(data, fresh);
  }

  function showPhoto(data, refreshSafe) {
    const photo = state.photos.find((p) => p.id === data.id);
    if (photo) { photo.data = data; renderPhotoItem(photo); }
    if (state.current !== data.id) return;
    $("review-name").textContent = data.name;
    $("verdict").textContent = data.verdict;
    $("original").alt = t("view.original.alt", { name: data.name });
    $("safe").alt = t("view.safe.alt", { name: data.name });
    $("box-size").textContent = t("box.size", { w: data.width, h: data.height });
    $("dl-one").href = photoUrl(data.id, "/download");
    ["box-x", "box-w"].forEach((k) => { $(k).max = data.width; });
    ["box-y", "box-h"].forEach((k) => { $(k).max = data.height; });
    renderFindings(data);
    renderBoxes(data);
    renderOverlay(data);
    document.querySelectorAll("input[name=face-style]").forEach((r) => {
      r.checked = r.value === data.face_style;
    });
    const meta = $("metadata");
    meta.replaceChildren(...data.metadata.map((m) => {
      const li = document.createElement("li"); li.textContent = m; return li;
    }));
    $("metadata-none").hidden = data.metadata.length > 0;
    $("guidance").replaceChildren(...data.guidance.map((g) => {
      const p = document.createElement("p"); p.textContent = g; return p;
    }));
    if (refreshSafe) refreshSafeImage(data);
  }

  function refreshSafeImage(data) {
    const img = $("safe");
    $("safe-status").textContent = t("safe.updating");
    img.onload = () => { $("safe-status").textContent = t("safe.ready"); };
    img.onerror = () => { $("safe-status").textContent = t("safe.failed"); };
    img.src = photoUrl(data.id, "/safe.jpg?v=" + Date.now());
  }

  function renderFindings(data) {
    const ul = $("findings");
    ul.replaceChildren();
    data.findings.forEach((f, i) => {
      const li = document.createElement("li");
      li.className = "finding k-" + f.kind;
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = "finding-" + f.id;
      input.checked = f.hidden;
      input.dataset.id = f.id;
      input.addEventListener("change", () => sendDecisions());
      input.addEventListener("focus", () => highlight(f.id, true));
      input.addEventListener("blur", () => highlight(f.id, false));
      const label = document.createElement("label");
      label.htmlFor = input.id;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.setAttribute("aria-hidden", "true");
      label.append(swatch, (i + 1) + ": " + f.label + (f.detail ? " \u2013 " + f.detail : ""));
      li.append(input, " ", label);
      ul.appendChild(li);
    });
    $("findings-none").hidden = data.findings.length > 0;
  }

  function renderBoxes(data) {
    const ul = $("boxes");
    ul.replaceChildren();
    data.boxes.forEach((b, i) => {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.textContent = t("boxes.item", { n: i + 1, x: b[0], y: b[1], w: b[2] - b[0], h: b[3] - b[1] });
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "button small secondary";
      remove.textContent = t("boxes.remove");
      remove.setAttribute("aria-label", t("boxes.remove.label", { n: i + 1 }));
      remove.addEventListener("click", () => {
        const boxes = data.boxes.filter((_, j) => j !== i);
        sendDecisions(boxes);
      });
      li.append(text, " ", remove);
      ul.appendChild(li);
    });
    $("boxes-none").hidden = data.boxes.length > 0;
  }

  function svgEl(name, attrs) {
    const el = document.createElementNS(SVGNS, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  }

  function renderOverlay(data) {
    const svg = $("overlay");
    const title = $("overlay-label");
    svg.replaceChildren(title);
    title.textContent = t("overlay.label", { n: data.findings.length, b: data.boxes.length });
    svg.setAttribute("viewBox", "0 0 " + data.width + " " + data.height);
    svg.setAttribute("preserveAspectRatio", "none");
    // Labels about 14 px high on screen, whatever the photo's size.
    const shown = svg.getBoundingClientRect().width || 600;
    const font = Math.max(1, Math.round(14 * data.width / shown));
    data.findings.forEach((f, i) => {
      // The outline of what is hidden (a tilted line, a page in perspective); its box if absent.
      const corners = outlinePoints(f);
      const points = corners.map((p) => p[0] + "," + p[1]).join(" ");
      const x1 = Math.min(...corners.map((p) => p[0]));
      const y1 = Math.min(...corners.map((p) => p[1]));
      const g = svgEl("g", { class: "mark k-" + f.kind + (f.hidden ? " hidden-mark" : " kept-mark"),
                             "data-id": f.id });
      g.appendChild(svgEl("polygon", { points: points, class: "outline-back" }));
      g.appendChild(svgEl("polygon", { points: points, class: "outline" }));
      const label = svgEl("text", { x: x1 + font * 0.2, y: Math.max(font, y1 - font * 0.25),
                                    "font-size": font, class: "mark-label" });
      label.textContent = (i + 1) + ": " + f.label + (f.hidden ? "" : " (" + t("kept") + ")");
      g.appendChild(label);
      svg.appendChild(g);
      fitLabel(label, data.width, font);
      g.addEventListener("click", () => {
        if (state.drawing) return;
        const box = $("finding-" + f.id);
        if (box) { box.checked = !box.checked; sendDecisions(); box.focus(); }
      });
    });
    data.boxes.forEach((b, i) => {
      const g = svgEl("g", { class: "mark k-manual hidden-mark" });
      g.appendChild(svgEl("rect", { x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1], class: "outline-back" }));
      g.appendChild(svgEl("rect", { x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1], class: "outline" }));
      const label = svgEl("text", { x: b[0] + font * 0.2, y: Math.max(font, b[1] - font * 0.25),
                                    "font-size": font, class: "mark-label" });
      label.textContent = t("boxes.short", { n: i + 1 });
      g.appendChild(label);
      svg.appendChild(g);
      fitLabel(label, data.width, font);
    });
  }

  function outlinePoints(f) {
    if (Array.isArray(f.polygon) && f.polygon.length >= 3) return f.polygon;
    const [x1, y1, x2, y2] = f.box;
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
  }

  // Keep a label inside the picture (a box at the right edge would push it out of view).
  function fitLabel(label, width, font) {
    let length = 0;
    try { length = label.getComputedTextLength(); } catch (e) { length = 0; }
    const x = Number(label.getAttribute("x"));
    if (length && x + length > width) label.setAttribute("x", Math.max(0, width - length - font * 0.2));
  }

  function highlight(id, on) {
    document.querySelectorAll("#overlay .mark").forEach((g) => {
      if (g.getAttribute("data-id") === String(id)) g.classList.toggle("focus", on);
    });
  }

  function currentData() {
    const photo = state.photos.find((p) => p.id === state.current);
    return photo ? photo.data : null;
  }

  async function sendDecisions(boxes) {
    const data = currentData();
    if (!data) return;
    const ticked = (f) => { const box = $("finding-" + f.id); return box ? box.checked : f.hidden; };
    const keep = data.findings.filter((f) => f.auto_hidden && !ticked(f)).map((f) => f.id);
    const hide = data.findings.filter((f) => !f.auto_hidden && ticked(f)).map((f) => f.id);
    const styleInput = document.querySelector("input[name=face-style]:checked");
    const body = {
      keep: keep,
      hide: hide,
      boxes: boxes || data.boxes,
      face_style: styleInput ? styleInput.value : data.face_style,
    };
    try {
      const updated = await api(photoUrl(data.id, "/decisions" + langQuery()), {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      const active = document.activeElement && document.activeElement.id;
      showPhoto(updated, true);
      if (active && $(active)) $(active).focus();
      announce(t("decisions.saved"));
    } catch (err) {
      announce(err.message);
    }
  }

  // drawing a box with a pointer (mouse, pen or finger) on the original
  function toImage(event) {
    const data = currentData();
    const rect = $("overlay").getBoundingClientRect();
    const x = (event.clientX - rect.left) / rect.width * data.width;
    const y = (event.clientY - rect.top) / rect.height * data.height;
    return [Math.max(0, Math.min(data.width, x)), Math.max(0, Math.min(data.height, y))];
  }

  function setDrawing(on) {
    state.drawing = on;
    $("draw-toggle").setAttribute("aria-pressed", String(on));
    $("stage").classList.toggle("drawing", on);
  }

  function onPointerDown(event) {
    if (!state.drawing || !currentData()) return;
    event.preventDefault();
    $("overlay").setPointerCapture(event.pointerId);
    const start = toImage(event);
    const rect = svgEl("rect", { class: "draft", x: start[0], y: start[1], width: 0, height: 0 });
    $("overlay").appendChild(rect);
    state.drag = { start: start, rect: rect };
  }

  function onPointerMove(event) {
    if (!state.drag) return;
    const [x, y] = toImage(event);
    const [sx, sy] = state.drag.start;
    const r = state.drag.rect;
    r.setAttribute("x", Math.min(x, sx)); r.setAttribute("y", Math.min(y, sy));
    r.setAttribute("width", Math.abs(x - sx)); r.setAttribute("height", Math.abs(y - sy));
  }

  function onPointerUp(event) {
    if (!state.drag) return;
    const [x, y] = toImage(event);
    const [sx, sy] = state.drag.start;
    state.drag.rect.remove();
    state.drag = null;
    const box = [Math.round(Math.min(x, sx)), Math.round(Math.min(y, sy)),
                 Math.round(Math.max(x, sx)), Math.round(Math.max(y, sy))];
    if (box[2] - box[0] < 2 || box[3] - box[1] < 2) return;
    const data = currentData();
    sendDecisions(data.boxes.concat([box]));
    announce(t("boxes.added"));
  }

  function onBoxForm(event) {
    event.preventDefault();
    const data = currentData();
    if (!data) return;
    const v = ["box-x", "box-y", "box-w", "box-h"].map((k) => Number($(k).value));
    const err = $("box-error");
    const [x, y, w, h] = v;
    const bad = v.some((n) => !Number.isFinite(n)) || ["box-x", "box-y", "box-w", "box-h"].some((k) => $(k).value === "")
      || x < 0 || y < 0 || w < 2 || h < 2 || x + w > data.width || y + h > data.height;
    if (bad) {
      err.textContent = t("box.invalid", { w: data.width, h: data.height });
      err.hidden = false;
      return;
    }
    err.hidden = true;
    sendDecisions(data.boxes.concat([[x, y, x + w, y + h]]));
    $("box-form").reset();
    announce(t("boxes.added"));
  }

  async function clearAll() {
    if (!state.session) return;
    const old = state.session;
    state.photos.forEach((p) => p.el && p.el.remove());
    state.photos = []; state.queue = []; state.current = null; state.total = 0; state.done = 0;
    $("review").hidden = true;
    $("photos-section").hidden = true;
    try { await api("/api/sessions/" + encodeURIComponent(old) + "/end", { method: "POST" }); } catch (e) { /* gone */ }
    await startSession();
    announce(t("cleared"));
  }

  async function startSession() {
    const s = await api("/api/sessions", { method: "POST" });
    state.session = s.session;
    state.maxBytes = s.max_upload_bytes;
    updateLinks();
  }

  // ---------------------------------------------------------------- start
  async function start() {
    const strings = await api("/api/strings");
    state.strings = strings.langs;
    let saved = null;
    try { saved = localStorage.getItem(LANG_KEY); } catch (e) { saved = null; }
    state.lang = state.strings[saved] ? saved : strings.default;
    applyStrings();
    await startSession();

    document.querySelectorAll(".lang-btn").forEach((b) => b.addEventListener("click", () => setLang(b.dataset.lang)));
    $("files").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
    $("folder").addEventListener("change", (e) => { addFiles(e.target.files); e.target.value = ""; });
    const drop = $("drop");
    ["dragenter", "dragover"].forEach((ev) => drop.addEventListener(ev, (e) => {
      e.preventDefault(); drop.classList.add("over");
    }));
    drop.addEventListener("dragleave", () => drop.classList.remove("over"));
    drop.addEventListener("drop", onDrop);
    // A photo dropped outside the zone must not make the browser open (and show) it.
    window.addEventListener("dragover", (e) => e.preventDefault());
    window.addEventListener("drop", (e) => { if (!drop.contains(e.target)) e.preventDefault(); });
    $("draw-toggle").addEventListener("click", () => setDrawing(!state.drawing));
    const overlay = $("overlay");
    overlay.addEventListener("pointerdown", onPointerDown);
    overlay.addEventListener("pointermove", onPointerMove);
    overlay.addEventListener("pointerup", onPointerUp);
    overlay.addEventListener("pointercancel", () => { if (state.drag) { state.drag.rect.remove(); state.drag = null; } });
    document.addEventListener("keydown", (e) => { if (e.key === "Escape" && state.drawing) setDrawing(false); });
    $("box-form").addEventListener("submit", onBoxForm);
    const redraw = () => { const data = currentData(); if (data && data.width) renderOverlay(data); };
    $("original").addEventListener("load", redraw);
    window.addEventListener("resize", redraw);
    document.querySelectorAll("input[name=face-style]").forEach((r) => r.addEventListener("change", () => sendDecisions()));
    $("clear").addEventListener("click", clearAll);
    // Closing the page ends the session: the server deletes the photos it holds.
    window.addEventListener("pagehide", () => {
      if (state.session) navigator.sendBeacon(base() + "/end");
    });
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    start().catch((err) => { announce(String(err.message || err)); });
  });
})();
