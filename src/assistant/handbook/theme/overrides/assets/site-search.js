/* The handbook's own procedure search, in Material's search dialog: works on a static copy of the site.
 *
 * Material's search (lunr) neither folds diacritics nor knows the shorthand people type, and ranks sector
 * pages and guides above procedures. This box answers first: it folds what is typed ("khai tử" and
 * "khai tu" meet), writes out chat abbreviations (cccd, dk, hk, bhyt…) with the table the assistant
 * uses, and ranks procedures above pages. Its data (assets/site-search-data.js, written by
 * `assistant build` from the knowledge base) loads on the first focus of the search box.
 *
 * When the assistant's API answers, its suggestion box (chat.js, .ag-search-assist) stays on top and
 * this box steps aside; on a static copy that box stays hidden, and this one shows.
 * Plain JavaScript; text goes in with textContent only.
 */
(function (root) {
  "use strict";

  var MAX_RESULTS = 5;
  var CODE = /\b(\d)[.\-\s]?(\d{6})\b/g;
  var TOKEN = /\d\.\d{6}|[\p{L}\p{N}]+/gu;

  /* ---------------------------------------------------------------- matching (no DOM: node runs it too) */

  function fold(text) {
    return String(text || "").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();
  }

  function tokens(folded) {
    return folded.replace(CODE, "$1.$2").match(TOKEN) || [];
  }

  function bigrams(words) {
    var out = [];
    for (var i = 1; i < words.length; i++) out.push(words[i - 1] + "_" + words[i]);
    return out;
  }

  /** Index the data once: token sets per document, document frequencies. */
  function Index(data) {
    var self = this;
    this.abbr = data.abbr || {};
    this.stop = {};
    (data.stop || []).forEach(function (w) { self.stop[w] = true; });
    this.df = {};
    this.docs = (data.docs || []).map(function (d) {
      var doc = { data: d, name: {}, bi: {}, text: {}, title: {}, titleBi: {}, titleLen: 0, phrases: d.n || [] };
      (d.n || []).forEach(function (phrase, i) {
        var words = tokens(phrase);
        words.forEach(function (w) { doc.name[w] = true; });
        bigrams(words).forEach(function (b) { doc.bi[b] = true; });
        if (i === 0) {
          // the title's name, without its explanation in brackets ("Đăng ký khai tử (làm giấy báo tử…)")
          var head = d.h ? tokens(d.h) : words;
          head.forEach(function (w) { doc.title[w] = true; });
          bigrams(head).forEach(function (b) { doc.titleBi[b] = true; });
          doc.titleLen = head.length;
        }
      });
      (d.x || []).forEach(function (phrase) {
        var words = tokens(phrase);
        words.forEach(function (w) { doc.text[w] = true; });
        bigrams(words).forEach(function (b) { doc.text[b] = true; });
      });
      var seen = {};
      Object.keys(doc.name).concat(Object.keys(doc.bi), Object.keys(doc.text)).forEach(function (t) {
        if (!seen[t]) { seen[t] = true; self.df[t] = (self.df[t] || 0) + 1; }
      });
      return doc;
    });
    this.vocabulary = Object.keys(this.df);
  }

  Index.prototype.idf = function (term) {
    var n = this.docs.length;
    var df = this.df[term] || 0;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };

  /** The query as the index sees it: folded, codes joined, abbreviations written out. */
  Index.prototype.parse = function (query) {
    var self = this;
    var typing = !/\s$/.test(query);  // the last word may be half typed
    var raw = tokens(fold(query));
    var words = [];
    raw.forEach(function (w) {
      if (Object.prototype.hasOwnProperty.call(self.abbr, w)) {
        tokens(self.abbr[w]).forEach(function (x) { words.push(x); });
      } else {
        words.push(w);
      }
    });
    var last = typing && raw.length && !Object.prototype.hasOwnProperty.call(self.abbr, raw[raw.length - 1])
      ? words[words.length - 1] : null;
    var content = words.filter(function (w) { return !self.stop[w]; });
    if (!content.length) content = words.slice();
    var unique = content.filter(function (w, i) { return content.indexOf(w) === i; });
    return { words: words, terms: unique, pairs: bigrams(words), prefix: last && last.length >= 2 ? last : null,
             phrase: words.join(" ") };
  };

  /** Documents for `query`, best first: [{doc (the data entry), score}]. */
  Index.prototype.search = function (query, limit) {
    var self = this;
    var q = this.parse(query);
    if (!q.terms.length) return [];
    var completions = {};  // half-typed last word → the words it may become
    if (q.prefix && !this.df[q.prefix]) {
      this.vocabulary.forEach(function (w) {
        if (w.length > q.prefix.length && w.indexOf("_") < 0 && w.indexOf(q.prefix) === 0) completions[w] = true;
      });
    }
    var weights = q.terms.map(function (t) {
      if (self.df[t]) return self.idf(t);
      var best = 0;
      Object.keys(completions).forEach(function (w) { best = Math.max(best, self.idf(w)); });
      return best;
    });
    var total = weights.reduce(function (a, b) { return a + b; }, 0) || 1;
    var results = [];
    this.docs.forEach(function (doc) {
      var score = 0;
      var covered = 0;
      var inTitle = 0;
      q.terms.forEach(function (t, i) {
        var w = weights[i];
        var hit = doc.name[t] ? 3 : doc.text[t] ? 1 : 0;
        if (!hit && t === q.prefix) {
          Object.keys(completions).some(function (c) {
            hit = doc.name[c] ? 2.5 : doc.text[c] ? 0.8 : 0;
            if (hit && doc.title[c]) inTitle += w;
            return hit > 0;
          });
        } else if (doc.title[t]) {
          inTitle += w;
        }
        if (hit) covered += w;
        score += w * hit;
      });
      if (!score) return;
      q.pairs.forEach(function (b) {
        if (doc.bi[b]) score += (doc.titleBi[b] ? 3 : 2) * self.idf(b);
        else if (doc.text[b]) score += 0.5 * self.idf(b);
      });
      var coverage = covered / total;
      score *= coverage * coverage;
      // A query that is (most of) the title names this procedure, not one that merely mentions it.
      if (doc.titleLen) score *= 1 + (inTitle / total) * (2 / Math.sqrt(doc.titleLen));
      if (doc.phrases.some(function (p) { return p === q.phrase; })) score *= 1.5;
      else if (q.words.length > 1 && doc.phrases.some(function (p) { return (" " + p + " ").indexOf(" " + q.phrase + " ") >= 0; })) score *= 1.2;
      if (doc.data.p) score *= 0.4;  // sector pages and guides after the procedures they describe
      if (doc.data.r) score *= 0.7;  // the procedures written for the province before national records
      results.push({ doc: doc.data, score: score });
    });
    results.sort(function (a, b) { return b.score - a.score; });
    return results.slice(0, limit || MAX_RESULTS);
  };

  var api = { fold: fold, tokens: tokens, Index: Index };
  if (typeof module !== "undefined" && module.exports) {
    module.exports = api;
    return;
  }
  root.agSiteSearch = api;

  /* ---------------------------------------------------------------- the box in Material's search dialog */

  var doc = root.document;

  function siteRoot() {
    var base = ".";
    var cfg = doc.getElementById("__config");
    if (cfg) {
      try { base = JSON.parse(cfg.textContent).base || "."; } catch (e) { /* keep "." */ }
    }
    return new URL(base.replace(/\/?$/, "/"), root.location.href);
  }

  function el(tag, cls, text) {
    var node = doc.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  var index = null;
  var loading = null;

  function load(src) {
    if (index) return Promise.resolve(index);
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = doc.createElement("script");
        script.src = src;
        script.onload = function () {
          if (!root.agSiteSearchData) { reject(new Error("no data")); return; }
          index = new Index(root.agSiteSearchData);
          resolve(index);
        };
        script.onerror = function () { loading = null; reject(new Error("not found")); };
        doc.head.appendChild(script);
      });
    }
    return loading;
  }

  function start() {
    var input = doc.querySelector(".md-search__input");
    var wrap = doc.querySelector(".md-search__scrollwrap");
    if (!input || !wrap) return;
    var ROOT = siteRoot();
    var dataUrl = new URL("assets/site-search-data.js", ROOT).href;
    var list = el("ol", "ag-site-search__list");
    var box = el("div", "ag-site-search");
    box.hidden = true;
    box.setAttribute("aria-live", "polite");
    box.appendChild(el("p", "ag-site-search__title", "Thủ tục phù hợp"));
    box.appendChild(list);
    var assist = wrap.querySelector(".ag-search-assist");  // chat.js: the assistant's suggestions
    if (assist && assist.nextSibling) wrap.insertBefore(box, assist.nextSibling);
    else if (assist) wrap.appendChild(box);
    else wrap.insertBefore(box, wrap.firstChild);

    var shown = "";

    function closeSearch() {
      var toggle = doc.getElementById("__search");
      if (toggle && toggle.checked) {
        toggle.checked = false;
        toggle.dispatchEvent(new Event("change"));
      }
    }

    /** The assistant's box, when it shows results, is the one list of procedures. */
    function assistantAnswers() {
      return !!(assist && !assist.hidden && assist.querySelector(".ag-search-assist__link"));
    }

    function sync() {
      box.hidden = !shown || !list.firstChild || assistantAnswers();
    }

    function render(query) {
      var results = index.search(query, MAX_RESULTS);
      list.textContent = "";
      results.forEach(function (r) {
        var d = r.doc;
        var a = el("a", "ag-site-search__link");
        a.href = new URL(d.u, ROOT).href;
        a.appendChild(el("span", "ag-site-search__name", d.t));
        a.appendChild(el("span", "ag-site-search__meta", d.c ? "Mã " + d.c + " · " + d.m : d.m));
        if (d.s) a.appendChild(el("span", "ag-site-search__snippet", d.s));
        a.addEventListener("click", closeSearch);
        var li = el("li");
        li.appendChild(a);
        list.appendChild(li);
      });
      shown = query;
      box.setAttribute("data-query", query.trim());
      sync();
    }

    function update() {
      var query = input.value;
      if (query.trim().length < 2) {
        shown = "";
        sync();
        return;
      }
      load(dataUrl).then(function () {
        if (input.value === query) render(query);
      }, function () { /* no data file: Material's own search still works */ });
    }

    input.addEventListener("focus", function () { load(dataUrl).catch(function () {}); });
    // Enter opens the first result shown: the assistant's, else this box's (Material's own would pick lunr's).
    input.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || event.isComposing) return;
      var first = assistantAnswers() ? assist.querySelector(".ag-search-assist__link")
        : !box.hidden ? list.querySelector("a") : null;
      if (!first) return;
      event.preventDefault();
      event.stopPropagation();
      first.click();
    });
    input.addEventListener("input", update);
    if (assist && root.MutationObserver) {
      new root.MutationObserver(sync).observe(assist, { attributes: true, childList: true, subtree: true });
    }
    if (input.value) update();
  }

  if (doc.readyState === "loading") doc.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof window !== "undefined" ? window : this);
