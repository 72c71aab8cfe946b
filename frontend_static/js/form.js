/* Lắng nghe respondent form: conditions, progress, inline checks, idempotent sending and an
   offline queue. The form works without this file (plain POST); this only makes it nicer. */
(function () {
  "use strict";
  var QUEUE = "langnghe-queue";
  var form = document.getElementById("survey");
  if (!form) return;
  var msg = function (key, params) {
    var text = form.getAttribute("data-msg-" + key) || "";
    for (var k in params || {}) text = text.split("{" + k + "}").join(params[k]);
    return text;
  };
  var questions = Array.prototype.slice.call(form.querySelectorAll(".question"));
  var statusEl = document.getElementById("send-status");
  var button = form.querySelector(".submit button");

  function qid(el) { return el.id.slice(2); }
  function byId(id) { return document.getElementById("q-" + id); }

  function rawValue(el) {
    var id = qid(el), type = el.getAttribute("data-type");
    if (type === "multi") {
      return Array.prototype.map.call(el.querySelectorAll("input:checked"), function (i) { return i.value; });
    }
    if (type === "text" || type === "number") return el.querySelector("textarea,input").value;
    var checked = el.querySelector("input[name='" + id + "']:checked");
    return checked ? checked.value : "";
  }

  function parseNumber(text) {
    var t = text.replace(/\s/g, "");
    if (t.indexOf(",") >= 0 && t.indexOf(".") >= 0) t = t.replace(/\./g, "").replace(",", ".");
    else if (t.indexOf(",") >= 0) t = t.replace(",", ".");
    else if (/^-?\d{1,3}(\.\d{3})+$/.test(t)) t = t.replace(/\./g, "");
    return /^-?\d+(\.\d+)?$/.test(t) ? Number(t) : NaN;
  }

  function answerOf(el) {
    var type = el.getAttribute("data-type"), v = rawValue(el);
    if (type === "multi") return v.length ? v : undefined;
    if (typeof v === "string" && !v.trim()) return undefined;
    if (type === "scale") return v === "na" ? "na" : parseInt(v, 10);
    if (type === "yes_no") return v === "true";
    if (type === "number") { var n = parseNumber(v); return isNaN(n) ? v : n; }
    return v;
  }

  function isVisible(el) {
    var show = el.getAttribute("data-show");
    return !show || holds(JSON.parse(show));
  }

  /* A show_if condition (responses/conditions.py): a test on an earlier question, or all/any/not
     of tests; a test on an unanswered or hidden question does not hold. */
  function holds(c) {
    if (c.not) return !holds(c.not);
    if (c.all) return c.all.every(holds);
    if (c.any) return c.any.some(holds);
    var controller = byId(c.q);
    if (!controller || !isVisible(controller)) return false;
    var value = rawValue(controller);
    var values = Array.isArray(value) ? value : [value];
    return values.some(function (x) { return c.in.indexOf(String(x)) >= 0; });
  }

  function checkOne(el) {
    var type = el.getAttribute("data-type"), err = "";
    var value = rawValue(el);
    if (type === "number" && value.trim()) {
      var input = el.querySelector("input"), n = parseNumber(value);
      var min = input.getAttribute("data-min"), max = input.getAttribute("data-max");
      if (isNaN(n)) err = msg("number");
      else if (min !== null && n < Number(min)) err = msg("min", { min: min });
      else if (max !== null && n > Number(max)) err = msg("max", { max: max });
    }
    showError(el, err);
    return !err;
  }

  function showError(el, text) {
    var box = document.getElementById("e-" + qid(el));
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
    el.classList.toggle("invalid", !!text);
    var field = el.querySelector("textarea,input[type=text]");
    if (field) { if (text) field.setAttribute("aria-invalid", "true"); else field.removeAttribute("aria-invalid"); }
  }

  function refresh() {
    var shown = 0, answered = 0;
    questions.forEach(function (el) {
      var visible = isVisible(el);
      el.hidden = !visible;
      if (!visible) return;
      shown++;
      if (answerOf(el) !== undefined) answered++;
      var clear = el.querySelector("button.clear");
      if (clear) clear.hidden = rawValue(el) === "";
    });
    var bar = document.getElementById("progress");
    if (bar) {
      bar.max = shown; bar.value = answered;
      bar.parentNode.hidden = false;
      document.getElementById("progress-text").textContent = msg("progress", { n: answered, total: shown });
    }
  }

  function collect() {
    var answers = {};
    questions.forEach(function (el) {
      if (!isVisible(el)) return;
      var a = answerOf(el);
      if (a !== undefined) answers[qid(el)] = a;
    });
    return {
      link: form.getAttribute("data-link"),
      submission_id: form.elements.submission_id.value,
      answers: answers,
      lang: form.getAttribute("data-lang"),
      form_token: form.elements.form_token.value
    };
  }

  function readQueue() { try { return JSON.parse(localStorage.getItem(QUEUE) || "[]"); } catch (e) { return []; } }
  function writeQueue(items) { try { localStorage.setItem(QUEUE, JSON.stringify(items)); } catch (e) { /* storage full or off */ } }
  function enqueue(body) {
    var items = readQueue().filter(function (i) { return i.submission_id !== body.submission_id; });
    items.push(body);
    writeQueue(items);
  }
  function dequeue(id) { writeQueue(readQueue().filter(function (i) { return i.submission_id !== id; })); }

  function send(body) {
    return fetch("/api/v1/responses", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body), credentials: "omit"
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { status: r.status, data: data }; });
    });
  }

  function thanksUrl(body, receipt) {
    var link = form.getAttribute("data-thanks"); /* the link code; empty for a personal token */
    return "/s/" + (link ? link + "/" : "") + "cam-on?ma=" + encodeURIComponent(receipt) + (body.lang === "en" ? "&lang=en" : "");
  }

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) return;
    var items = readQueue();
    if (!items.length) return;
    flushing = true;
    var item = items[0];
    send(item).then(function (res) {
      flushing = false;
      if (retryable(res.status)) return;
      dequeue(item.submission_id);
      var current = item.submission_id === form.elements.submission_id.value;
      if (res.status === 201 && current) { location.href = thanksUrl(item, res.data.receipt); return; }
      if (res.status === 201) say(msg("queued-sent", { receipt: res.data.receipt }));
      else if (current) refused(res);
      else say(msg("queued-refused"));
      flush();
    }, function () { flushing = false; });
  }

  /* Status messages stay in view: the send area sticks to the bottom of the screen while a
     message is shown, wherever the page is scrolled (offline, queued, refused). */
  function say(text) {
    if (!statusEl) return;
    statusEl.textContent = text;
    statusEl.parentNode.classList.toggle("active", !!text);
  }

  function retryable(status) { return status >= 500 || status === 408 || status === 429; }

  /* The server refused this form's answers: show why, next to the questions when it says which. */
  function refused(res) {
    button.disabled = false;
    say(res.data.message || msg("failed"));
    if (res.status === 422 && res.data.errors) applyErrors(res.data.errors);
  }

  function applyErrors(list) {
    var summary = [];
    questions.forEach(function (el) { showError(el, ""); });
    list.forEach(function (e) {
      var el = byId(e.field);
      if (el) { showError(el, e.message); summary.push(el); } else say(e.message);
    });
    focusFirst(summary);
  }

  function focusFirst(list) {
    if (!list.length) return;
    var field = list[0].querySelector("input,textarea");
    list[0].scrollIntoView({ block: "center" });
    if (field) field.focus({ preventScroll: true });
  }

  form.addEventListener("change", refresh);
  form.addEventListener("input", refresh);
  form.addEventListener("focusout", function (ev) {
    var el = ev.target.closest && ev.target.closest(".question");
    if (el) checkOne(el);
  });
  form.addEventListener("click", function (ev) {
    var name = ev.target.getAttribute && ev.target.getAttribute("data-clear");
    if (!name) return;
    Array.prototype.forEach.call(form.querySelectorAll("input[name='" + name + "']"), function (i) { i.checked = false; });
    refresh();
  });

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var invalid = questions.filter(isVisible).filter(function (el) { return !checkOne(el); });
    if (invalid.length) { say(msg("fix")); focusFirst(invalid); return; }
    var body = collect();
    button.disabled = true;
    say(msg("sending"));
    send(body).then(function (res) {
      button.disabled = false;
      if (res.status === 201) { dequeue(body.submission_id); location.href = thanksUrl(body, res.data.receipt); return; }
      if (retryable(res.status)) { enqueue(body); say(msg("busy")); return; }
      refused(res);
    }, function () {
      button.disabled = false;
      enqueue(body);
      say(msg("offline"));
    });
  });

  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  refresh();
  flush();
})();
