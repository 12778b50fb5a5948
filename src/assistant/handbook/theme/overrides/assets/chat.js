/* Chat panel ("Hỏi trợ lý") and assistant-backed search hints for the handbook site.
 *
 * Plain JavaScript, no framework, no requests anywhere but the assistant API.
 * - The API lives at <meta name="assistant-api"> (empty: this site's own origin), under /api.
 * - Text from questions and answers never goes through innerHTML: the tiny Markdown renderer below
 *   builds DOM nodes and sets text with textContent; links are kept only for http(s) URLs and for
 *   paths on this site.
 * - The conversation (and a random session id, so follow-ups work) lives in sessionStorage, so it
 *   survives following a link to another handbook page.
 */
(function () {
  "use strict";

  var TIMEOUT_MS = 15000;  // a page (or a test) may set window.agChatTimeoutMs to change it
  var MAX_CHARS = 1000;  // the API's limit for a question
  var MAX_ENTRIES = 40;  // messages kept in sessionStorage
  var KEY_SESSION = "ag-chat-session";
  var KEY_LOG = "ag-chat-log";
  // A conversation handed to staff: its session id stays in localStorage, so a staff reply reaches the
  // citizen on their next visit from the same browser; the last staff message shown in this tab.
  var KEY_HANDOFF = "ag-chat-handoff";
  var KEY_AFTER = "ag-chat-after";
  var POLL_MS = 5000;  // how often an open handoff asks for staff replies (window.agChatPollMs overrides)
  var HELP = "Vui lòng thử lại sau hoặc liên hệ Trung tâm Phục vụ hành chính công cấp xã nơi bạn ở.";
  var EXAMPLES = [
    "Làm giấy khai sinh cho con cần giấy tờ gì?",
    "Đăng ký thường trú ở đâu?",
    "Sang tên xe máy mất bao nhiêu tiền?"
  ];

  /* ---------------------------------------------------------------- where things are */

  function siteRoot() {
    var base = ".";
    var cfg = document.getElementById("__config");
    if (cfg) {
      try { base = JSON.parse(cfg.textContent).base || "."; } catch (e) { /* keep "." */ }
    }
    return new URL(base.replace(/\/?$/, "/"), window.location.href);
  }

  var ROOT = siteRoot();

  function apiBase() {
    var meta = document.querySelector('meta[name="assistant-api"]');
    var value = meta ? (meta.getAttribute("content") || "").trim() : "";
    // Tolerate "https://host/", "https://host/api" and "https://host/api/": all mean the same server.
    return value.replace(/\/+$/, "").replace(/\/api$/, "");
  }

  var API = apiBase();

  /** A path on this site ("/ho-tich/#tt-1-001193") as a URL under the site's root, or null. */
  function siteUrl(path) {
    if (!/^\/(?![\/\\])[^\s\\]*$/.test(path)) return null;
    var url = new URL(path.slice(1), ROOT);
    return url.origin === ROOT.origin ? url : null;
  }

  /** The href to use for a link in an answer, or null when it must stay plain text. */
  function safeHref(href) {
    href = String(href || "").trim();
    if (href.charAt(0) === "/") {
      var local = siteUrl(href);
      return local ? local.href : null;
    }
    if (!/^https?:\/\//i.test(href)) return null;
    try {
      var url = new URL(href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function isExternal(href) {
    try { return new URL(href, window.location.href).origin !== ROOT.origin; } catch (e) { return true; }
  }

  /* ---------------------------------------------------------------- small DOM helpers */

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    var key;
    attrs = attrs || {};
    for (key in attrs) {
      if (!Object.prototype.hasOwnProperty.call(attrs, key) || attrs[key] == null || attrs[key] === false) continue;
      if (key === "text") node.textContent = attrs[key];
      else if (key === "class") node.className = attrs[key];
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), attrs[key]);
      else node.setAttribute(key, attrs[key] === true ? "" : attrs[key]);
    }
    (children || []).forEach(function (child) {
      if (child == null) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  var ICONS = {
    chat: "M12 3C6.5 3 2 6.6 2 11c0 2.2 1.1 4.2 2.9 5.6L4 21l4.6-2.4c1.1.3 2.2.4 3.4.4 5.5 0 10-3.6 10-8s-4.5-8-10-8m-4 9.3a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6m4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6m4 0a1.3 1.3 0 1 1 0-2.6 1.3 1.3 0 0 1 0 2.6",
    close: "M19 6.4 17.6 5 12 10.6 6.4 5 5 6.4 10.6 12 5 17.6 6.4 19 12 13.4 17.6 19 19 17.6 13.4 12z",
    send: "M2 21 23 12 2 3v7l15 2-15 2z",
    book: "M18 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V4a2 2 0 0 0-2-2M6 4h5v8l-2.5-1.5L6 12z",
    open: "M14 3v2h3.6l-9.8 9.8 1.4 1.4L19 6.4V10h2V3m-2 16H5V5h7V3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2v-7h-2z",
    reset: "M17.7 6.3A8 8 0 0 0 4 12h2a6 6 0 1 1 1.8 4.3L10 14H4v6l2.3-2.3A8 8 0 1 0 17.7 6.3"
  };

  function icon(name) {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    svg.appendChild(path);
    return svg;
  }

  function link(href, children, cls) {
    var external = isExternal(href);
    var a = el("a", { href: href, "class": cls || null }, children);
    if (external) {
      a.setAttribute("target", "_blank");
      a.setAttribute("rel", "noopener noreferrer");
      a.appendChild(el("span", { "class": "ag-visually-hidden", text: " (mở trong thẻ mới)" }));
    }
    return a;
  }

  /* ---------------------------------------------------------------- safe Markdown */

  // [label](href) | **bold** | *italic* | _italic_ (not inside words: snake_case stays) | bare http(s) URL
  var INLINE = /\[([^\]\n]+)\]\(([^()\s]+)\)|\*\*([^*\n]+?)\*\*|\*(?![\s*])([^*\n]+?)\*|(^|[^\w])_(?![\s_])([^_\n]+?)_(?!\w)|(https?:\/\/[^\s<>"'()]*[^\s<>"'().,;:!?])/g;

  /** Append `text` to `parent` as text nodes, with bold, italic and safe links as elements. */
  function renderInline(text, parent, inLink) {
    var last = 0;
    var match;
    var re = new RegExp(INLINE.source, "g");
    while ((match = re.exec(text)) !== null) {
      var start = match.index;
      if (match[5] !== undefined) {  // keep the character before an _italic_
        start += match[5].length;
      }
      if (start > last) parent.appendChild(document.createTextNode(text.slice(last, start)));
      if (match[1] !== undefined) {
        var href = inLink ? null : safeHref(match[2]);
        if (href) {
          var label = el("span");
          renderInline(match[1], label, true);
          parent.appendChild(link(href, [label]));
        } else {
          parent.appendChild(document.createTextNode(match[1]));
        }
      } else if (match[3] !== undefined) {
        var strong = el("strong");
        renderInline(match[3], strong, inLink);
        parent.appendChild(strong);
      } else if (match[4] !== undefined || match[6] !== undefined) {
        var em = el("em");
        renderInline(match[4] !== undefined ? match[4] : match[6], em, inLink);
        parent.appendChild(em);
      } else if (match[7] !== undefined) {
        var url = inLink ? null : safeHref(match[7]);
        parent.appendChild(url ? link(url, [match[7]]) : document.createTextNode(match[7]));
      }
      last = re.lastIndex;
      if (match[0] === "") re.lastIndex++;
    }
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** Paragraphs, bullet and numbered lists, bold, italic, safe links. Everything else is text. */
  function renderMarkdown(markdown, container) {
    var lines = String(markdown || "").replace(/\r\n?/g, "\n").split("\n");
    var para = [];
    var list = null;

    function flushPara() {
      if (!para.length) return;
      var p = el("p");
      para.forEach(function (line, i) {
        if (i) p.appendChild(el("br"));
        renderInline(line, p);
      });
      container.appendChild(p);
      para = [];
    }
    function flushList() {
      if (list) container.appendChild(list.node);
      list = null;
    }
    function item(kind, text, start) {
      flushPara();
      if (!list || list.kind !== kind) {
        flushList();
        list = { kind: kind, node: el(kind) };
        if (kind === "ol" && start && start !== "1") list.node.setAttribute("start", String(parseInt(start, 10)));
      }
      var li = el("li");
      renderInline(text, li);
      list.node.appendChild(li);
    }

    lines.forEach(function (raw) {
      var line = raw.trim();
      var m;
      if (!line) {
        flushPara();
        flushList();
      } else if ((m = /^[-*+]\s+(?:\[[ xX]\]\s+)?(.*)$/.exec(line))) {
        item("ul", m[1]);
      } else if ((m = /^(\d{1,3})[.)]\s+(.*)$/.exec(line))) {
        item("ol", m[2], m[1]);
      } else if ((m = /^#{1,6}\s+(.*)$/.exec(line))) {
        flushPara();
        flushList();
        var strong = el("strong");
        renderInline(m[1], strong);
        container.appendChild(el("p", {}, [strong]));
      } else {
        flushList();
        para.push(line);
      }
    });
    flushPara();
    flushList();
    return container;
  }

  /* ---------------------------------------------------------------- storage and session */

  var memory = {};

  function load(key) {
    try { return window.sessionStorage.getItem(key); } catch (e) { return memory[key] || null; }
  }

  function save(key, value) {
    try {
      if (value === null) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, value);
    } catch (e) {
      memory[key] = value;
    }
  }

  function loadLocal(key) {
    try { return window.localStorage.getItem(key); } catch (e) { return null; }
  }

  function saveLocal(key, value) {
    try {
      if (value === null) window.localStorage.removeItem(key);
      else window.localStorage.setItem(key, value);
    } catch (e) { /* private mode: the reply still shows while this tab stays open */ }
  }

  function randomId() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) window.crypto.getRandomValues(bytes);
    else for (var i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function sessionId() {
    var id = load(KEY_SESSION);
    if (!id) {
      id = loadLocal(KEY_HANDOFF) || randomId();  // back on the site while staff have the conversation
      save(KEY_SESSION, id);
    }
    return id;
  }

  function loadEntries() {
    try {
      var entries = JSON.parse(load(KEY_LOG) || "[]");
      return Array.isArray(entries) ? entries : [];
    } catch (e) {
      return [];
    }
  }

  /* ---------------------------------------------------------------- talking to the API */

  function timeoutMs() {
    var value = Number(window.agChatTimeoutMs);
    return value > 0 ? value : TIMEOUT_MS;
  }

  function ApiError(kind, message, status) {
    this.kind = kind;  // "client" (4xx, show the detail), "server", "network", "timeout"
    this.message = message || "";
    this.status = status || 0;
  }

  function request(method, path, body) {
    var controller = window.AbortController ? new AbortController() : null;
    return new Promise(function (resolve, reject) {
      var timer = setTimeout(function () {
        if (controller) controller.abort();
        reject(new ApiError("timeout"));
      }, timeoutMs());
      var init = { method: method, headers: { Accept: "application/json" } };
      if (body !== undefined) {
        init.headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      if (controller) init.signal = controller.signal;
      fetch(API + path, init)
        .then(function (response) {
          if (response.status === 204) return null;
          return response.json().catch(function () { return null; }).then(function (data) {
            if (response.ok && data) return data;
            var detail = data && typeof data.detail === "string" ? data.detail : "";
            if (response.status >= 400 && response.status < 500 && detail) {
              throw new ApiError("client", detail, response.status);
            }
            throw new ApiError("server", response.status >= 500 ? detail : "", response.status);
          });
        })
        .then(function (data) { clearTimeout(timer); resolve(data); },
              function (err) {
                clearTimeout(timer);
                reject(err instanceof ApiError ? err : new ApiError("network"));
              });
    });
  }

  /* ---------------------------------------------------------------- the panel */

  var ui = {};
  var entries = loadEntries();
  var busy = false;

  function persist() {
    if (entries.length > MAX_ENTRIES) entries = entries.slice(entries.length - MAX_ENTRIES);
    save(KEY_LOG, JSON.stringify(entries));
  }

  function build() {
    var fab = el("button", {
      type: "button",
      "class": "ag-chat-fab",
      "aria-haspopup": "dialog",
      "aria-expanded": "false",
      "aria-controls": "ag-chat-panel",
      onclick: function () { openPanel(); }
    }, [icon("chat"), el("span", { text: "Hỏi trợ lý" })]);

    var title = el("h2", { id: "ag-chat-title", "class": "ag-chat-title", text: "Trợ lý thủ tục hành chính" });
    var subtitle = el("p", { id: "ag-chat-desc", "class": "ag-chat-subtitle",
      text: "Trả lời theo Sổ tay thủ tục An Giang" });
    var resetBtn = el("button", {
      type: "button", "class": "ag-chat-iconbtn", title: "Cuộc trò chuyện mới",
      "aria-label": "Bắt đầu cuộc trò chuyện mới", onclick: resetConversation
    }, [icon("reset")]);
    var closeBtn = el("button", {
      type: "button", "class": "ag-chat-iconbtn", title: "Đóng", "aria-label": "Đóng khung trợ lý",
      onclick: function () { closePanel(true); }
    }, [icon("close")]);
    var header = el("div", { "class": "ag-chat-header" }, [
      el("div", { "class": "ag-chat-heading" }, [title, subtitle]), resetBtn, closeBtn
    ]);

    var log = el("div", {
      "class": "ag-chat-log", role: "log", "aria-live": "polite", "aria-relevant": "additions",
      "aria-label": "Hội thoại với trợ lý", tabindex: "0"
    });

    var input = el("textarea", {
      id: "ag-chat-input", "class": "ag-chat-input", rows: "1", maxlength: String(MAX_CHARS),
      placeholder: "Nhập câu hỏi của bạn…", autocomplete: "off",
      enterkeyhint: "send"
    });
    var send = el("button", { type: "submit", "class": "ag-chat-send", "aria-label": "Gửi câu hỏi", title: "Gửi" },
      [icon("send"), el("span", { "class": "ag-chat-send__text", text: "Gửi" })]);
    var form = el("form", { "class": "ag-chat-form", novalidate: true }, [
      el("label", { "for": "ag-chat-input", "class": "ag-visually-hidden", text: "Câu hỏi của bạn" }), input, send
    ]);
    var note = el("p", { "class": "ag-chat-note",
      text: "Chỉ để tham khảo. Đừng gửi thông tin cá nhân." });

    var panel = el("section", {
      id: "ag-chat-panel", "class": "ag-chat-panel", role: "dialog", "aria-modal": "false",
      "aria-labelledby": "ag-chat-title", "aria-describedby": "ag-chat-desc", hidden: true
    }, [header, log, form, note]);

    var root = el("div", { id: "ag-chat-root" }, [fab, panel]);
    document.body.appendChild(root);

    ui = { root: root, fab: fab, panel: panel, log: log, form: form, input: input, send: send };

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      submit();
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    });
    input.addEventListener("input", autosize);
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        event.stopPropagation();
        closePanel(true);
      }
    });
    renderAll();
  }

  function autosize() {
    var input = ui.input;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 140) + "px";
  }

  function openPanel(question) {
    ui.panel.hidden = false;
    if (ui.fab.classList.contains("ag-chat-fab--news")) {
      ui.fab.classList.remove("ag-chat-fab--news");
      var label = ui.fab.querySelector("span");
      if (label) label.textContent = "Hỏi trợ lý";
    }
    ui.fab.setAttribute("aria-expanded", "true");
    document.documentElement.classList.add("ag-chat-open");
    scrollToEnd();
    if (question) {
      ui.input.value = question;
      submit();
    }
    ui.input.focus();
  }

  function closePanel(restoreFocus) {
    ui.panel.hidden = true;
    ui.fab.setAttribute("aria-expanded", "false");
    document.documentElement.classList.remove("ag-chat-open");
    if (restoreFocus) ui.fab.focus();
  }

  function isFullScreen() {
    return window.matchMedia && window.matchMedia("(max-width: 600px)").matches;
  }

  function scrollToEnd() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function resetConversation() {
    entries = [];
    persist();
    save(KEY_SESSION, null);
    save(KEY_AFTER, null);
    saveLocal(KEY_HANDOFF, null);
    stopPolling();
    renderAll();
    ui.input.focus();
  }

  /* ---------------------------------------------------------------- rendering entries */

  function renderAll() {
    ui.log.textContent = "";
    ui.log.appendChild(welcome());
    entries.forEach(function (entry) { ui.log.appendChild(renderEntry(entry)); });
    scrollToEnd();
  }

  function welcome() {
    var chips = el("div", { "class": "ag-chat-chips", role: "group", "aria-label": "Câu hỏi mẫu" },
      EXAMPLES.map(function (q) {
        return el("button", { type: "button", "class": "ag-chat-chip", text: q, onclick: function () { ask(q); } });
      }));
    return el("div", { "class": "ag-chat-msg ag-chat-msg--bot ag-chat-msg--welcome" }, [
      el("div", { "class": "ag-chat-bubble" }, [
        el("p", { text: "Xin chào! Hãy hỏi bằng lời của bạn về thủ tục hành chính: cần giấy tờ gì, nộp ở đâu, mất bao lâu, lệ phí bao nhiêu." }),
        chips
      ])
    ]);
  }

  function renderEntry(entry) {
    if (entry.kind === "user") {
      return el("div", { "class": "ag-chat-msg ag-chat-msg--user" }, [
        el("span", { "class": "ag-visually-hidden", text: "Bạn hỏi: " }),
        el("div", { "class": "ag-chat-bubble", text: entry.text })
      ]);
    }
    if (entry.kind === "error") return renderError(entry);
    if (entry.kind === "staff" || entry.kind === "system") return renderStaff(entry);
    return renderAnswer(entry);
  }

  function renderStaff(entry) {
    var who = entry.kind === "staff" ? "Cán bộ" + (entry.author ? " " + entry.author : "") + " trả lời" : "Thông báo";
    var bubble = el("div", { "class": "ag-chat-bubble" }, [
      el("p", { "class": "ag-chat-staff__who", text: who }),
      el("p", { "class": "ag-chat-staff__text", text: entry.text })
    ]);
    return el("div", { "class": "ag-chat-msg ag-chat-msg--bot ag-chat-msg--" + entry.kind }, [
      el("span", { "class": "ag-visually-hidden", text: who + ": " }), bubble
    ]);
  }

  /* ---------------------------------------------------------------- replies from staff */

  var pollTimer = null;

  function pollMs() {
    var value = Number(window.agChatPollMs);
    return value > 0 ? value : POLL_MS;
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  function startPolling() {
    stopPolling();
    pollTimer = setTimeout(poll, 0);
  }

  function poll() {
    var session = loadLocal(KEY_HANDOFF);
    if (!session) return stopPolling();
    var after = Number(load(KEY_AFTER)) || 0;
    request("GET", "/api/chat/messages?session_id=" + encodeURIComponent(session) + "&after=" + after)
      .then(function (data) {
        var fresh = (data.messages || []).filter(function (m) { return m.id > after; });
        fresh.forEach(function (m) {
          add({ kind: m.role === "system" ? "system" : "staff", text: m.text, author: m.author || "", at: m.at });
          save(KEY_AFTER, String(m.id));
        });
        if (fresh.length) {
          scrollToEnd();
          if (ui.panel.hidden) notifyFab();
        }
        if (!data.handoff) {  // closed by staff: back to the assistant alone
          saveLocal(KEY_HANDOFF, null);
          return stopPolling();
        }
        pollTimer = setTimeout(poll, pollMs());
      }, function () {
        pollTimer = setTimeout(poll, Math.max(pollMs(), 15000));  // offline or overloaded: ask less often
      });
  }

  function notifyFab() {
    ui.fab.classList.add("ag-chat-fab--news");
    var label = ui.fab.querySelector("span");
    if (label) label.textContent = "Cán bộ đã trả lời";
  }

  var DETAIL_LINE = /^Xem chi tiết:\s*\[([^\]\n]+)\]\(([^()\s]+)\)\s*$/;
  var ONLINE_LINE = /^Nộp trực tuyến:\s*(https?:\/\/\S+?)\s*$/;

  function renderAnswer(entry) {
    var data = entry.data || {};
    var procedure = data.procedure || null;
    var handbook = null;
    var online = null;
    var body = [];
    String(data.answer || "").split(/\r?\n/).forEach(function (line) {
      var m;
      if (!handbook && (m = DETAIL_LINE.exec(line.trim())) && safeHref(m[2])) handbook = { label: m[1], href: safeHref(m[2]) };
      else if (!online && (m = ONLINE_LINE.exec(line.trim())) && safeHref(m[1])) online = safeHref(m[1]);
      else body.push(line);
    });
    if (!handbook && procedure && safeHref(procedure.url)) {
      handbook = { label: "Sổ tay › " + procedure.title, href: safeHref(procedure.url) };
    }
    if (!online && procedure && procedure.online_url) online = safeHref(procedure.online_url);

    var bubble = el("div", { "class": "ag-chat-bubble ag-chat-answer" });
    renderMarkdown(body.join("\n"), bubble);

    if (handbook || online) {
      var actions = el("div", { "class": "ag-chat-actions" });
      if (handbook) {
        var cite = link(handbook.href, [
          icon("book"),
          el("span", { "class": "ag-chat-cite__text" }, [
            el("span", { "class": "ag-chat-cite__kicker", text: "Xem trong sổ tay" }),
            el("span", { "class": "ag-chat-cite__label", text: handbook.label })
          ])
        ], "ag-chat-cite");
        cite.addEventListener("click", function () {
          if (isFullScreen()) closePanel(false);  // on a phone the panel covers the page: show the section
        });
        actions.appendChild(cite);
      }
      if (online) {
        actions.appendChild(link(online, [icon("open"), el("span", { text: "Nộp trực tuyến" })], "ag-chat-online"));
      }
      bubble.appendChild(actions);
    }

    if (data.clarify && Array.isArray(data.sources) && data.sources.length) {
      bubble.appendChild(el("div", { "class": "ag-chat-chips", role: "group", "aria-label": "Chọn thủ tục" },
        data.sources.slice(0, 4).map(function (s) {
          return el("button", { type: "button", "class": "ag-chat-chip", text: s.title,
            onclick: function () { ask(s.title); } });
        })));
    }
    if (data.answered === false) {
      var help = safeHref("/tinh/#lien-he");
      if (help) bubble.appendChild(el("p", { "class": "ag-chat-help" }, [link(help, ["Xem nơi hỏi đáp, hỗ trợ của tỉnh"])]));
    }

    var wrap = el("div", { "class": "ag-chat-msg ag-chat-msg--bot" }, [
      el("span", { "class": "ag-visually-hidden", text: "Trợ lý trả lời: " }), bubble
    ]);
    if (data.question_id) wrap.appendChild(feedback(entry));
    return wrap;
  }

  function feedback(entry) {
    var box = el("div", { "class": "ag-chat-feedback", role: "group", "aria-label": "Đánh giá câu trả lời" });
    if (entry.feedback) {
      box.appendChild(el("p", { "class": "ag-chat-thanks", text: "Cảm ơn bạn đã góp ý!" }));
      return box;
    }
    var status = el("span", { "class": "ag-chat-feedback__status", role: "status" });
    var yes = el("button", { type: "button", "class": "ag-chat-vote", text: "Có" });
    var no = el("button", { type: "button", "class": "ag-chat-vote", text: "Không" });
    function vote(helpful) {
      yes.disabled = no.disabled = true;
      status.textContent = "Đang gửi…";
      request("POST", "/api/feedback", { question_id: entry.data.question_id, helpful: helpful })
        .then(function () {
          entry.feedback = helpful ? "yes" : "no";
          persist();
          box.textContent = "";
          box.appendChild(el("p", { "class": "ag-chat-thanks", role: "status",
            text: helpful ? "Cảm ơn bạn đã góp ý!" : "Cảm ơn bạn! Câu hỏi đã được ghi lại để cán bộ bổ sung sổ tay." }));
        }, function (err) {
          yes.disabled = no.disabled = false;
          status.textContent = err.kind === "client" ? err.message : "Chưa gửi được đánh giá. Vui lòng thử lại.";
        });
    }
    yes.addEventListener("click", function () { vote(true); });
    no.addEventListener("click", function () { vote(false); });
    box.appendChild(el("span", { "class": "ag-chat-feedback__q", text: "Có hữu ích không?" }));
    box.appendChild(yes);
    box.appendChild(no);
    box.appendChild(status);
    return box;
  }

  function errorText(kind, message) {
    if (kind === "client") return message;
    if (kind === "timeout") return "Trợ lý chưa trả lời sau " + Math.round(timeoutMs() / 1000) + " giây. " + HELP;
    if (kind === "server") return (message || "Trợ lý đang gặp sự cố.") + " " + HELP;
    return "Không kết nối được với trợ lý. " + HELP;
  }

  function renderError(entry) {
    var bubble = el("div", { "class": "ag-chat-bubble ag-chat-error" }, [
      el("p", { text: errorText(entry.error, entry.message) })
    ]);
    if (entry.error !== "client") {
      var help = safeHref("/tinh/#lien-he");
      var row = el("p", { "class": "ag-chat-help" });
      if (help) row.appendChild(link(help, ["Xem nơi hỏi đáp, hỗ trợ"]));
      if (entry.question && entry.last) {
        row.appendChild(el("button", { type: "button", "class": "ag-chat-retry", text: "Thử lại",
          onclick: function () { entries.splice(entries.indexOf(entry), 1); persist(); ask(entry.question, true); } }));
      }
      bubble.appendChild(row);
    }
    return el("div", { "class": "ag-chat-msg ag-chat-msg--bot", role: "alert" }, [bubble]);
  }

  /* ---------------------------------------------------------------- asking */

  function submit() {
    var text = ui.input.value.replace(/\s+/g, " ").trim();
    if (!text || busy) return;
    ui.input.value = "";
    autosize();
    ask(text);
  }

  function add(entry) {
    entries.forEach(function (e) { e.last = false; });
    entries.push(entry);
    persist();
    var node = renderEntry(entry);
    ui.log.appendChild(node);
    return node;
  }

  function ask(question, retry) {
    if (busy) return;
    if (ui.panel.hidden) openPanel();
    busy = true;
    ui.send.disabled = true;
    if (!retry) add({ kind: "user", text: question.slice(0, MAX_CHARS) });
    else renderAll();
    var typing = el("div", { "class": "ag-chat-msg ag-chat-msg--bot ag-chat-typing" }, [
      el("div", { "class": "ag-chat-bubble" }, [
        el("span", { "class": "ag-chat-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
        el("span", { text: "Đang tìm câu trả lời…" })
      ])
    ]);
    ui.log.appendChild(typing);
    ui.log.setAttribute("aria-busy", "true");
    scrollToEnd();

    request("POST", "/api/ask", { question: question.slice(0, MAX_CHARS), session_id: sessionId() })
      .then(function (data) {
        return { kind: "bot", data: {
          question_id: data.question_id, answered: data.answered, answer: data.answer,
          procedure: data.procedure ? { code: data.procedure.code, title: data.procedure.title,
            url: data.procedure.url, online_url: data.procedure.online_url } : null,
          sources: (data.sources || []).map(function (s) { return { code: s.code, title: s.title, url: s.url }; }),
          clarify: !!data.clarify
        }, handoff: !!data.handoff };
      }, function (err) {
        return { kind: "error", error: err.kind || "network", message: err.message || "", question: question, last: true };
      })
      .then(function (entry) {
        if (entry.handoff) {  // handed to staff: keep the conversation across visits and watch for replies
          saveLocal(KEY_HANDOFF, sessionId());
          startPolling();
        }
        delete entry.handoff;
        typing.remove();
        ui.log.removeAttribute("aria-busy");
        var node = add(entry);
        busy = false;
        ui.send.disabled = false;
        // Show the question and the start of the answer, not the end of a long answer.
        var anchor = node.previousElementSibling && node.previousElementSibling.classList.contains("ag-chat-msg--user")
          ? node.previousElementSibling : node;
        ui.log.scrollTop = Math.max(0, anchor.offsetTop - 8);
        // Keep typing where you were; on a phone, do not pop the keyboard up over the answer.
        if (!ui.panel.hidden && !isFullScreen()) ui.input.focus();
      });
  }

  /* ---------------------------------------------------------------- search dialog hints */

  /** A search snippet without what the hint already shows (title, code line). */
  function tidySnippet(snippet, title) {
    var text = String(snippet || "");
    if (title && text.indexOf(title) === 0) text = text.slice(title.length);
    return text.replace(/^[\s—:-]+/, "").replace(/^Mã thủ tục:.*?Cập nhật[^:]*:\s*[\d\/]+\s*/, "");
  }

  /** Under Material's search box: the assistant's own search (accents, abbreviations, meaning). */
  function searchAssist() {
    var query = document.querySelector(".md-search__input");
    var wrap = document.querySelector(".md-search__scrollwrap");
    if (!query || !wrap) return;
    var list = el("ol", { "class": "ag-search-assist__list" });
    var askBtn = el("button", { type: "button", "class": "ag-search-assist__ask" });
    var box = el("div", { "class": "ag-search-assist", hidden: true, "aria-live": "polite" }, [
      el("p", { "class": "ag-search-assist__title", text: "Trợ lý gợi ý" }), list, askBtn
    ]);
    wrap.insertBefore(box, wrap.firstChild);
    var timer = null;
    var seq = 0;
    var cache = {};
    var pausedUntil = 0;  // after a 429, leave the rate limit to the questions for a minute

    function closeSearch() {
      var toggle = document.getElementById("__search");
      if (toggle && toggle.checked) {
        toggle.checked = false;
        toggle.dispatchEvent(new Event("change"));
      }
    }

    askBtn.addEventListener("click", function () {
      var q = query.value.trim();
      closeSearch();
      if (q) openPanel(q);
    });

    function update() {
      var q = query.value.replace(/\s+/g, " ").trim();
      var code = /^(\d)[\s.,-]?(\d{6})$/.exec(q);  // a procedure code typed as 1001193 or 1-001193
      if (code) q = code[1] + "." + code[2];
      var mine = ++seq;
      if (q.length < 2) {
        box.hidden = true;
        return;
      }
      askBtn.textContent = "Hỏi trợ lý: “" + q.slice(0, 80) + "”";
      if (Date.now() < pausedUntil) {
        list.textContent = "";
        box.hidden = false;
        return;
      }
      var found = cache[q] ? Promise.resolve(cache[q])
        : request("GET", "/api/search?k=3&q=" + encodeURIComponent(q.slice(0, 200)));
      found.then(function (data) {
        cache[q] = data;
        if (mine !== seq) return;
        list.textContent = "";
        box.setAttribute("data-query", q);
        (data.results || []).forEach(function (r) {
          var href = safeHref(r.url);
          if (!href) return;
          var a = link(href, [
            el("span", { "class": "ag-search-assist__name", text: r.title }),
            el("span", { "class": "ag-search-assist__meta", text: "Mã " + r.code }),
            el("span", { "class": "ag-search-assist__snippet", text: tidySnippet(r.snippet, r.title) })
          ], "ag-search-assist__link");
          a.addEventListener("click", closeSearch);
          list.appendChild(el("li", {}, [a]));
        });
        box.hidden = false;
      }, function (err) {
        if (err.status === 429) pausedUntil = Date.now() + 60000;
        if (mine === seq) box.hidden = true;  // the handbook's own search still works without the API
      });
    }

    query.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(update, 400);
    });
  }

  /* ---------------------------------------------------------------- start */

  function start() {
    build();
    searchAssist();
    if (loadLocal(KEY_HANDOFF)) startPolling();
    window.agChat = { open: openPanel, close: closePanel, renderMarkdown: renderMarkdown };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
