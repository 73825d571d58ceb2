// PostSafe review page. No libraries, no external requests: everything talks to this server.
// Names of files are hostile text: they only ever reach the page through textContent.
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const LANG_KEY = "postsafe.lang";
  const state = {
    strings: {}, lang: "en", session: null, maxBytes: 0,
    maxVideoBytes: 0, videoSuffixes: [],  // clips may be larger than photos
    photos: [],          // {id, name, status, el, data}
    current: null,       // photo id under review
    queue: [], busy: false, total: 0, done: 0,
    drawing: false, drag: null,
    // Messages on screen, kept as keys (or both languages' words) so a switch retranslates them.
    progressMsg: null, safeMsg: null, boxError: null, clipMsg: null,
    stripFor: null,      // the clip whose strip of frames is on the page
    making: {},          // clip id -> true while its safe copy is being made
    asked: {},           // photo id -> the number of its newest request for its state
    spot: null,          // the tapped spot on offer: {kind, finding, box}
    pendingSave: false,  // a decision was sent: the next finished safe copy says it is saved
    zipConfirmed: false, scrolled: false,
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

  // A message is {key, vars} (a string of the page) or {words: {en, cy}} (a reason the server
  // gave in each language) or {text} (a name); shown in the language chosen now.
  function words(msg) {
    if (!msg) return "";
    if (msg.words) return msg.words[state.lang] || msg.words.en || "";
    if (msg.key) return t(msg.key, msg.vars);
    return msg.text || "";
  }

  function errorMsg(err) {
    if (err && err.words) return { words: err.words };
    if (err && err.status === 413) return { key: "error.too_big" };
    return { key: "error.network" };
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
    showMessages();
    // The server words each photo (verdict, names, details, reasons) in the chosen language.
    state.photos.filter((p) => p.id && p.id !== state.current).forEach((p) => {
      api(photoUrl(p.id, langQuery())).then((data) => { p.data = data; p.error = data.error; renderPhotoItem(p); })
        .catch(() => { /* removed meanwhile */ });
    });
    if (state.current) loadPhoto(state.current, false);
    if (state.spot) showSpot(state.spot);
  }

  function showMessages() {
    $("progress").textContent = words(state.progressMsg);
    $("safe-status").textContent = words(state.safeMsg);
    $("clip-status").textContent = words(state.clipMsg);
    const err = $("box-error");
    err.textContent = state.boxError ? t("box.invalid", state.boxError) : "";
    err.hidden = !state.boxError;
  }

  function setSafeMsg(msg) { state.safeMsg = msg; $("safe-status").textContent = words(msg); }
  function setClipMsg(msg) { state.clipMsg = msg; $("clip-status").textContent = words(msg); }

  function setLang(lang) {
    if (!state.strings[lang]) return;
    state.lang = lang;
    try { localStorage.setItem(LANG_KEY, lang); } catch (e) { /* private mode: not remembered */ }
    applyStrings();
    announce({ key: "lang.changed" });
  }

  function announce(msg) { state.progressMsg = msg; $("progress").textContent = words(msg); }

  // ---------------------------------------------------------------- server
  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
    let body = null;
    try { body = await response.json(); } catch (e) { body = null; }
    if (!response.ok) {
      const message = body && (body.detail || body.error) ? (body.detail || body.error) : response.statusText;
      const err = new Error(String(message));
      err.status = response.status;
      err.words = body && body.words ? body.words : null;
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
    $("downloads").hidden = false;
    document.querySelector(".add").classList.add("compact");
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
      const clip = isVideoName(photo.name);
      announce({ key: clip ? "progress.checking_video" : "progress.checking",
                 vars: { n: state.done, total: state.total, name: photo.name } });
      photo.status = "checking";
      renderPhotoItem(photo);
      try {
        const limit = clip ? state.maxVideoBytes : state.maxBytes;
        if (limit && job.file.size > limit) {
          const err = new Error("413");
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
        photo.error = null;
        photo.errorMsg = errorMsg(err);
      }
      renderPhotoItem(photo);
      if (photo.id && !state.current && (photo.status === "clean" || photo.status === "redacted")) {
        selectPhoto(photo.id, false, !state.scrolled);
        state.scrolled = true;
      }
    }
    state.busy = false;
    const ready = state.photos.filter((p) => p.status === "clean" || p.status === "redacted").length;
    announce({ key: "progress.done", vars: { n: ready, total: state.photos.length } });
  }

  // Named as a clip: the server takes it up to the video limit (and checks what it really is).
  function isVideoName(name) {
    const dot = name.lastIndexOf(".");
    return dot >= 0 && state.videoSuffixes.includes(name.slice(dot).toLowerCase());
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
    if (photo.data && photo.data.video) {
      const tag = document.createElement("span");
      tag.className = "kind-tag";
      tag.textContent = t("photo.video", { s: photo.data.video.duration_s.toFixed(1) });
      name.append(" ", tag);
    }
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
    if ((photo.error || photo.errorMsg) && !ok) {
      const err = document.createElement("p");
      err.className = "error small";
      err.textContent = photo.errorMsg ? t("error.failed", { reason: words(photo.errorMsg) }) : photo.error;
      li.appendChild(err);
    }
  }

  async function removePhoto(photo) {
    try {
      await api(photoUrl(photo.id, "/remove"), { method: "POST" });
    } catch (err) {
      if (err.status !== 404) { announce(errorMsg(err)); return; }
    }
    photo.el.remove();
    state.photos = state.photos.filter((p) => p !== photo);
    if (state.current === photo.id) {
      state.current = null;
      $("review").hidden = true;
      clearMessages();
    }
    if (!state.photos.length) { $("photos-section").hidden = true; $("downloads").hidden = true; }
    announce({ key: "photo.removed", vars: { name: photo.name } });
    $("add-h").focus();
  }

  function statusText(photo) {
    if (photo.status === "waiting") return t("status.waiting");
    if (photo.status === "checking") return t("status.checking");
    if (photo.status === "error") return t("status.error");
    if (photo.status === "skipped") return t("status.skipped");
    const data = photo.data;
    const n = data ? data.findings.filter((f) => f.hidden).length + data.boxes.length : 0;
    const text = n ? t("status.hidden", { n: n }) : t("status.clean");
    return data && data.findings.length && !data.viewed ? text + " \u00b7 " + t("photo.unviewed") : text;
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
  function clearMessages() {
    // A status belongs to the photo it was about: switching photos clears it.
    state.safeMsg = null; state.boxError = null; state.pendingSave = false; state.clipMsg = null;
    if (state.progressMsg && !["progress.done", "progress.checking", "progress.checking_video"].includes(state.progressMsg.key)) {
      state.progressMsg = null;
    }
    closeSpot();
    showMessages();
  }

  async function selectPhoto(id, focus, scroll) {
    if (state.current !== id) clearMessages();
    state.current = id;
    state.photos.forEach(renderPhotoItem);
    $("review").hidden = false;
    const chosen = state.photos.find((p) => p.id === id);
    if (!(chosen && chosen.data && chosen.data.video)) $("original").src = photoUrl(id, "/original.jpg");
    // Opening a photo's review is what "looked at" means (Download all asks about the others).
    try { await api(photoUrl(id, "/viewed"), { method: "POST" }); } catch (e) { /* removed */ }
    await loadPhoto(id, true);
    if (focus) $("review-h").focus();
    if (focus || scroll) $("review").scrollIntoView({ block: "start" });
  }

  // Every request that returns a photo's state takes a number; only the answer to the newest
  // is shown. A page read still on its way when a decision is sent (a busy server) would
  // otherwise come back after it, show the old state, and the next decision would send it.
  function ask(id) {
    state.asked[id] = (state.asked[id] || 0) + 1;
    return state.asked[id];
  }
  function newest(id, n) { return state.asked[id] === n; }

  async function loadPhoto(id, fresh) {
    const n = ask(id);
    const data = await api(photoUrl(id, langQuery()));
    if (newest(id, n)) showPhoto(data, fresh);
  }

  function showPhoto(data, refreshSafe) {
    const photo = state.photos.find((p) => p.id === data.id);
    if (photo) { photo.data = data; renderPhotoItem(photo); }
    if (state.current !== data.id) return;
    $("review-name").textContent = data.name;
    $("verdict").textContent = data.verdict;
    showKind(Boolean(data.video));
    if (data.video) { showClip(data); return; }
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
    showWords(data);
    if (refreshSafe) refreshSafeImage(data);
  }

  function showWords(data) {
    $("metadata-none").hidden = data.metadata.length > 0;
    $("guidance").replaceChildren(...data.guidance.map((g) => {
      const p = document.createElement("p"); p.textContent = g; return p;
    }));
  }

  // ---------------------------------------------------------------- a video clip
  // A clip's review: its tracks (the findings, with when they are seen), a strip of its frames
  // with each track's shape outlined, and a download that makes the copy first.
  function showKind(clip) {
    $("photo-views").hidden = clip;
    $("clip-view").hidden = !clip;
    $("boxes-part").hidden = clip;
    $("style-set").hidden = clip;
    $("box-set").hidden = clip;
    const hint = $("findings-hint");
    hint.dataset.i18n = clip ? "findings.hint.video" : "findings.hint";
    hint.textContent = t(hint.dataset.i18n);
  }

  function showClip(data) {
    if (state.drawing) setDrawing(false);
    closeSpot();
    renderFindings(data);
    renderStrip(data);
    $("dl-clip").href = photoUrl(data.id, "/download");
    const meta = $("metadata");
    meta.replaceChildren(...data.metadata.map((m) => {
      const li = document.createElement("li"); li.textContent = m; return li;
    }));
    showWords(data);
  }

  function seconds(s) { return Number(s).toFixed(1); }

  function renderStrip(data) {
    const video = data.video;
    const list = $("strip");
    if (state.stripFor !== data.id || list.children.length !== video.strip.length) {
      // The frames themselves change only with the clip: built once, their marks redrawn. A
      // frame is a button: pressed, it takes the strip's whole width.
      list.replaceChildren(...video.strip.map((f) => {
        const li = document.createElement("li");
        li.className = "frame";
        const button = document.createElement("button");
        button.type = "button";
        button.className = "frame-button";
        button.setAttribute("aria-pressed", "false");
        const stage = document.createElement("span");
        stage.className = "stage";
        const img = document.createElement("img");
        img.width = video.width;  // the frame's shape is known before it loads
        img.height = video.height;
        img.src = photoUrl(data.id, "/frames/" + f.k + ".jpg");
        const svg = svgEl("svg", { class: "overlay", "aria-hidden": "true" });
        const marks = document.createElement("span");
        marks.className = "marks";
        marks.setAttribute("aria-hidden", "true");
        stage.append(img, svg, marks);
        button.appendChild(stage);
        button.addEventListener("click", () => {
          const big = !li.classList.contains("big");
          li.classList.toggle("big", big);
          button.setAttribute("aria-pressed", String(big));
          const current = currentData();
          if (current && current.video) drawStrip(current);
        });
        const time = document.createElement("p");
        time.className = "frame-time";
        li.append(button, time);
        return li;
      }));
      state.stripFor = data.id;
    }
    drawStrip(data);
  }

  // Each strip frame's words, outlines (what each track hides there) and numbered badges.
  function drawStrip(data) {
    const video = data.video;
    const list = $("strip");
    video.strip.forEach((f, k) => {
      const li = list.children[k];
      if (!li) return;
      const s = seconds(f.time_s);
      li.querySelector("img").alt = t("clip.frame.alt", { name: data.name, s: s });
      li.querySelector(".frame-button").title = t("clip.enlarge");
      li.querySelector(".frame-time").textContent = t("clip.time", { s: s });
      const svg = li.querySelector("svg");
      svg.replaceChildren();
      svg.setAttribute("viewBox", "0 0 " + video.width + " " + video.height);
      svg.setAttribute("preserveAspectRatio", "none");
      const anchors = [];
      f.marks.forEach((m) => {
        const finding = data.findings[m.id];
        if (!finding) return;
        const points = m.polygon.map((p) => p[0] + "," + p[1]).join(" ");
        const g = svgEl("g", { class: "mark k-" + finding.kind + (finding.hidden ? " hidden-mark" : " kept-mark"),
                               "data-id": finding.id });
        g.appendChild(svgEl("polygon", { points: points, class: "outline-back" }));
        g.appendChild(svgEl("polygon", { points: points, class: "outline" }));
        svg.appendChild(g);
        // The number just above the shape: the frames are small, and what is inside the
        // outline is what the person must see.
        anchors.push({ text: String(m.id + 1), kind: finding.kind, id: finding.id, kept: !finding.hidden,
                       above: true, x: Math.min(...m.polygon.map((p) => p[0])),
                       y: Math.min(...m.polygon.map((p) => p[1])) });
      });
      placeBadges({ width: video.width, height: video.height }, anchors, li.querySelector(".marks"), 18);
    });
  }

  // The copy is made first (a clip's takes a while: its progress is shown), then downloaded.
  async function onClipDownload(event) {
    event.preventDefault();
    const data = currentData();
    if (!data || !data.video) return;
    const id = data.id;
    if (state.making[id]) return;
    state.making[id] = true;
    setClipMsg({ key: "clip.making" });
    const timer = setInterval(async () => {
      try {
        const p = await api(photoUrl(id, "/progress"));
        if (state.current !== id || !state.making[id] || !p.stage) return;
        setClipMsg({ key: p.stage === "check" ? "clip.progress.check" : "clip.progress.hide",
                     vars: { n: p.done, total: p.total } });
      } catch (e) { /* removed meanwhile */ }
    }, 1000);
    try {
      await api(photoUrl(id, "/finish" + langQuery()), { method: "POST" });
      delete state.making[id];
      if (state.current === id) setClipMsg({ key: "clip.ready" });
      const link = document.createElement("a");
      link.href = photoUrl(id, "/download");
      link.download = "";
      link.hidden = true;
      document.body.appendChild(link);
      link.click();
      link.remove();
    } catch (err) {
      delete state.making[id];
      if (state.current === id) setClipMsg({ key: "clip.failed", vars: { reason: words(errorMsg(err)) } });
    } finally {
      clearInterval(timer);
    }
  }

  function refreshSafeImage(data) {
    const img = $("safe");
    const saving = state.pendingSave;
    if (!saving) setSafeMsg({ key: "safe.updating" });
    const id = data.id;
    // The message that was "being updated" is replaced by what happened, once it happened.
    img.onload = () => {
      if (state.current !== id) return;
      state.pendingSave = false;
      setSafeMsg({ key: saving ? "safe.saved" : "safe.ready" });
    };
    img.onerror = () => {
      if (state.current !== id) return;
      state.pendingSave = false;
      setSafeMsg({ key: "safe.failed" });
    };
    img.src = photoUrl(id, "/safe.jpg?v=" + Date.now());
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
      // A clip's copy can leave a track visible, but not hide one PostSafe did not.
      input.disabled = Boolean(data.video) && !f.auto_hidden;
      input.addEventListener("change", () => sendDecisions());
      input.addEventListener("focus", () => highlight(f.id, true));
      input.addEventListener("blur", () => highlight(f.id, false));
      const label = document.createElement("label");
      label.htmlFor = input.id;
      const num = document.createElement("span");
      num.className = "num k-" + f.kind;
      num.textContent = String(i + 1);
      const name = document.createElement("span");
      name.className = "finding-name";
      name.textContent = f.name;
      label.append(num, " ", name);
      if (f.span) {
        const span = document.createElement("span");
        span.className = "detail";
        span.textContent = t("track.span", { from: seconds(f.span[0]), to: seconds(f.span[1]) });
        label.append(span);
      }
      if (f.detail) {
        const detail = document.createElement("span");
        detail.className = "detail";
        detail.textContent = f.detail;
        label.append(detail);
      }
      if (input.disabled) {
        const note = document.createElement("span");
        note.className = "detail";
        note.textContent = t("track.cannot_hide");
        label.append(note);
      }
      li.dataset.id = f.id;
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
      const num = document.createElement("span");
      num.className = "num k-manual";
      num.textContent = t("boxes.badge", { n: i + 1 });
      text.append(num, " ", t("boxes.item", { n: i + 1, x: b[0], y: b[1], w: b[2] - b[0], h: b[3] - b[1] }));
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
    const anchors = [];
    data.findings.forEach((f, i) => {
      // The outline of what is hidden (a tilted line, a page in perspective); its box if absent.
      const corners = outlinePoints(f);
      const points = corners.map((p) => p[0] + "," + p[1]).join(" ");
      const g = svgEl("g", { class: "mark k-" + f.kind + (f.hidden ? " hidden-mark" : " kept-mark"),
                             "data-id": f.id });
      g.appendChild(svgEl("polygon", { points: points, class: "outline-back" }));
      g.appendChild(svgEl("polygon", { points: points, class: "outline" }));
      svg.appendChild(g);
      anchors.push({ text: String(i + 1), kind: f.kind, id: f.id, kept: !f.hidden,
                     x: Math.min(...corners.map((p) => p[0])), y: Math.min(...corners.map((p) => p[1])) });
    });
    data.boxes.forEach((b, i) => {
      const g = svgEl("g", { class: "mark k-manual hidden-mark" });
      g.appendChild(svgEl("rect", { x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1], class: "outline-back" }));
      g.appendChild(svgEl("rect", { x: b[0], y: b[1], width: b[2] - b[0], height: b[3] - b[1], class: "outline" }));
      svg.appendChild(g);
      anchors.push({ text: t("boxes.badge", { n: i + 1 }), kind: "manual", x: b[0], y: b[1] });
    });
    if (state.spot) svg.appendChild(spotRect(state.spot.box));
    placeBadges(data, anchors);
  }

  // One small numbered badge per finding at its shape's top-left corner (just above it, for an
  // anchor marked so), nudged (right, then down, then further) until it overlaps no badge
  // already placed. In screen pixels, so badges never overlap whatever the photo's size on
  // screen. ``layer`` and ``size``: a clip's strip frame and its smaller badges.
  function placeBadges(data, anchors, layer, size) {
    layer = layer || $("marks");
    size = size || 24;
    layer.replaceChildren();
    const W = layer.clientWidth, H = layer.clientHeight;
    if (!W || !H) return;
    const gap = 2;
    const placed = [];
    const clash = (x, y) => placed.some((p) => x < p.x + p.w + gap && p.x < x + size + gap &&
                                              y < p.y + size + gap && p.y < y + size + gap);
    anchors.forEach((a) => {
      const el = document.createElement("span");
      el.className = "badge-mark k-" + a.kind + (a.kept ? " kept" : "");
      el.textContent = a.text;
      if (a.id !== undefined) el.dataset.id = a.id;
      layer.appendChild(el);
      const w = Math.max(size, el.offsetWidth);
      const clamp = (x, y) => [Math.max(0, Math.min(W - w, x)), Math.max(0, Math.min(H - size, y))];
      let [x, y] = clamp(a.x / data.width * W, a.y / data.height * H - (a.above ? size + gap : 0));
      const step = size + gap;
      outer: for (let ring = 0; ring < 40; ring++) {
        const tries = ring === 0 ? [[0, 0]] : [[ring, 0], [0, ring], [ring, ring], [-ring, 0], [0, -ring], [-ring, ring], [ring, -ring], [-ring, -ring]];
        for (const [dx, dy] of tries) {
          const [cx, cy] = clamp(x + dx * step, y + dy * step);
          if (!clash(cx, cy)) { x = cx; y = cy; break outer; }
        }
      }
      placed.push({ x: x, y: y, w: w });
      el.style.left = x + "px";
      el.style.top = y + "px";
    });
  }

  function outlinePoints(f) {
    if (Array.isArray(f.polygon) && f.polygon.length >= 3) return f.polygon;
    const [x1, y1, x2, y2] = f.box;
    return [[x1, y1], [x2, y1], [x2, y2], [x1, y2]];
  }

  function highlight(id, on) {
    document.querySelectorAll("#overlay .mark, #marks .badge-mark, #strip .mark, #strip .badge-mark").forEach((g) => {
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
    if (data.video) { sendClipDecisions(data, keep); return; }
    const hide = data.findings.filter((f) => !f.auto_hidden && ticked(f)).map((f) => f.id);
    const styleInput = document.querySelector("input[name=face-style]:checked");
    const body = {
      keep: keep,
      hide: hide,
      boxes: boxes || data.boxes,
      face_style: styleInput ? styleInput.value : data.face_style,
    };
    state.pendingSave = true;
    setSafeMsg({ key: "safe.saving" });
    const n = ask(data.id);
    try {
      const updated = await api(photoUrl(data.id, "/decisions" + langQuery()), {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
      });
      if (!newest(data.id, n)) return;
      const active = document.activeElement && document.activeElement.id;
      showPhoto(updated, true);
      if (active && $(active)) $(active).focus();
    } catch (err) {
      state.pendingSave = false;
      setSafeMsg({ key: "safe.not_saved", vars: { reason: words(errorMsg(err)) } });
    }
  }

  async function sendClipDecisions(data, keep) {
    setClipMsg({ key: "clip.saving" });
    const n = ask(data.id);
    try {
      const updated = await api(photoUrl(data.id, "/decisions" + langQuery()), {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ keep: keep }),
      });
      if (!newest(data.id, n)) return;
      const active = document.activeElement && document.activeElement.id;
      showPhoto(updated, false);
      if (state.current === data.id) setClipMsg({ key: "clip.saved" });
      if (active && $(active)) $(active).focus();
    } catch (err) {
      setClipMsg({ key: "safe.not_saved", vars: { reason: words(errorMsg(err)) } });
    }
  }

  // ---------------------------------------------------------------- tap to hide
  function spotRect(box) {
    return svgEl("rect", { class: "spot-preview", x: box[0], y: box[1], width: box[2] - box[0], height: box[3] - box[1] });
  }

  async function onTap(event) {
    const data = currentData();
    if (!data) return;
    const point = toImage(event);
    const id = data.id;
    setSafeMsg({ key: "spot.looking" });
    let found;
    try {
      found = await api(photoUrl(id, "/spot" + langQuery()), {
        method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ point: point.map((v) => Math.round(v * 10) / 10) }),
      });
    } catch (err) {
      setSafeMsg({ key: "safe.not_saved", vars: { reason: words(errorMsg(err)) } });
      return;
    }
    if (state.current !== id) return;
    setSafeMsg(null);
    found.point = point;
    showSpot(found);
  }

  function showSpot(found) {
    const data = currentData();
    if (!data) return;
    state.spot = found;
    const f = found.kind === "finding" ? data.findings.find((x) => x.id === found.finding) : null;
    const what = f ? (f.hidden ? t("spot.already", { name: (data.findings.indexOf(f) + 1) + ": " + f.name }) : (data.findings.indexOf(f) + 1) + ": " + f.name)
      : t(found.kind === "text" ? "spot.text" : "spot.area");
    $("spot-what").textContent = what;
    $("spot-hide").hidden = Boolean(f && f.hidden);
    const pop = $("spot");
    pop.hidden = false;
    const stage = $("stage");
    const W = stage.clientWidth, H = stage.clientHeight;
    const px = found.point[0] / data.width * W, py = found.point[1] / data.height * H;
    const pw = pop.offsetWidth, ph = pop.offsetHeight;
    pop.style.left = Math.max(0, Math.min(W - pw, px - pw / 2)) + "px";
    pop.style.top = (py + 12 + ph <= H ? py + 12 : Math.max(0, py - 12 - ph)) + "px";
    renderOverlay(data);
    ($("spot-hide").hidden ? $("spot-cancel") : $("spot-hide")).focus({ preventScroll: true });
  }

  function closeSpot() {
    state.spot = null;
    $("spot").hidden = true;
    const data = currentData();
    if (data && data.width && !data.video) renderOverlay(data);
  }

  function hideSpot() {
    const found = state.spot;
    const data = currentData();
    if (!found || !data) return;
    closeSpot();
    if (found.kind === "finding") {
      const box = $("finding-" + found.finding);
      if (box && !box.checked) { box.checked = true; sendDecisions(); }
      return;
    }
    sendDecisions(data.boxes.concat([found.box]));
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
    if (on) closeSpot();
    $("draw-toggle").setAttribute("aria-pressed", String(on));
    $("stage").classList.toggle("drawing", on);
  }

  function onPointerDown(event) {
    if (!currentData()) return;
    if (!state.drawing) { state.tap = { x: event.clientX, y: event.clientY }; return; }
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
    if (state.tap) {
      const moved = Math.hypot(event.clientX - state.tap.x, event.clientY - state.tap.y);
      state.tap = null;
      if (moved < 10) onTap(event);
      return;
    }
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
  }

  function onBoxForm(event) {
    event.preventDefault();
    const data = currentData();
    if (!data) return;
    const v = ["box-x", "box-y", "box-w", "box-h"].map((k) => Number($(k).value));
    const [x, y, w, h] = v;
    const bad = v.some((n) => !Number.isFinite(n)) || ["box-x", "box-y", "box-w", "box-h"].some((k) => $(k).value === "")
      || x < 0 || y < 0 || w < 2 || h < 2 || x + w > data.width || y + h > data.height;
    state.boxError = bad ? { w: data.width, h: data.height } : null;
    showMessages();
    if (bad) return;
    sendDecisions(data.boxes.concat([[x, y, x + w, y + h]]));
    $("box-form").reset();
  }

  // ---------------------------------------------------------------- check, then download
  async function onZip(event) {
    if (state.zipConfirmed) { state.zipConfirmed = false; return; }
    event.preventDefault();
    let unseen = [];
    try { unseen = (await api(base() + "/unreviewed")).photos; } catch (e) { unseen = []; }
    if (!unseen.length) { download(); return; }
    const list = $("confirm-list");
    list.replaceChildren(...unseen.map((p) => {
      const li = document.createElement("li"); li.textContent = p.name; return li;
    }));
    state.unseen = unseen;
    $("confirm").showModal();
  }

  function download() {
    state.zipConfirmed = true;
    $("dl-zip").click();
  }

  async function clearAll() {
    if (!state.session) return;
    const old = state.session;
    state.photos.forEach((p) => p.el && p.el.remove());
    state.photos = []; state.queue = []; state.current = null; state.total = 0; state.done = 0;
    $("review").hidden = true;
    $("photos-section").hidden = true;
    $("downloads").hidden = true;
    document.querySelector(".add").classList.remove("compact");
    state.scrolled = false;
    clearMessages();
    try { await api("/api/sessions/" + encodeURIComponent(old) + "/end", { method: "POST" }); } catch (e) { /* gone */ }
    await startSession();
    announce({ key: "cleared" });
  }

  async function startSession() {
    const s = await api("/api/sessions", { method: "POST" });
    state.session = s.session;
    state.maxBytes = s.max_upload_bytes;
    state.maxVideoBytes = s.max_video_bytes || s.max_upload_bytes;
    state.videoSuffixes = s.video_suffixes || [];
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
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && state.spot) closeSpot();
      else if (e.key === "Escape" && state.drawing) setDrawing(false);
    });
    $("box-form").addEventListener("submit", onBoxForm);
    const redraw = () => {
      const data = currentData();
      if (data && data.video) drawStrip(data);
      else if (data && data.width) renderOverlay(data);
    };
    $("original").addEventListener("load", redraw);
    window.addEventListener("resize", redraw);
    document.querySelectorAll("input[name=face-style]").forEach((r) => r.addEventListener("change", () => sendDecisions()));
    $("clear").addEventListener("click", clearAll);
    $("dl-zip").addEventListener("click", onZip);
    $("dl-clip").addEventListener("click", onClipDownload);
    $("confirm-download").addEventListener("click", () => { $("confirm").close(); download(); });
    $("confirm-check").addEventListener("click", () => {
      $("confirm").close();
      const first = state.unseen && state.unseen[0];
      if (first) selectPhoto(first.id, true);
    });
    $("spot-hide").addEventListener("click", hideSpot);
    $("spot-cancel").addEventListener("click", closeSpot);
    $("spot").addEventListener("keydown", (e) => { if (e.key === "Escape") { e.stopPropagation(); closeSpot(); } });
    // Closing the page ends the session: the server deletes the photos it holds.
    window.addEventListener("pagehide", () => {
      if (state.session) navigator.sendBeacon(base() + "/end");
    });
    document.body.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", () => {
    start().catch((err) => { announce(errorMsg(err)); });
  });
})();
