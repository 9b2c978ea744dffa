/* logscan report: filters, search, timeline zoom, print. Static: the page's CSP allows this script by its hash.
   Data comes only from the JSON block #report-data; text goes into the page with textContent, never innerHTML. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var labels = data.labels;
  var $ = function (id) { return document.getElementById(id); };
  var all = function (selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); };

  /* --- filters and search ------------------------------------------------------------------ */
  var incidents = all("details.incident");
  var lanes = all(".tl-row.lane");
  var form = $("filters");
  if (form) {
    var severity = $("f-severity"), category = $("f-category"), search = $("f-search");
    var apply = function () {
      var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      var visible = {}, shown = 0;
      incidents.forEach(function (el) {
        var text = el.textContent.toLowerCase();
        var ok = (!severity.value || el.dataset.severity === severity.value) &&
          (!category.value || el.dataset.category === category.value) &&
          words.every(function (w) { return text.indexOf(w) >= 0; });
        el.hidden = !ok;
        if (ok) { visible[el.id] = true; shown += 1; }
      });
      lanes.forEach(function (row) { row.hidden = !visible[row.dataset.incident]; });
      $("f-count").textContent = labels.shown.replace("{shown}", shown).replace("{total}", incidents.length);
      $("f-none").hidden = shown > 0;
    };
    [severity, category, search].forEach(function (el) {
      el.addEventListener("input", apply);
      el.addEventListener("change", apply);
    });
    form.addEventListener("submit", function (event) { event.preventDefault(); });
    form.hidden = false;
    apply();
  }

  /* Following a link to an incident opens it. */
  var openTarget = function () {
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (target && target.tagName === "DETAILS") { target.open = true; }
  };
  window.addEventListener("hashchange", openTarget);
  openTarget();

  /* --- timeline zoom: drag across a lane to zoom, the button or a double click to reset ---------- */
  var tl = $("tl");
  var span = data.end_ms - data.start_ms;
  if (tl && span > 0) {
    var svgs = all("#tl svg.tl-svg"), brush = $("tl-brush"), reset = $("tl-reset"), ticks = $("tl-ticks");
    var view = [0, 1000], drag = null;
    var minWidth = Math.max(60000 / span * 1000 * 2, 0.5);
    var STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080];
    var stamp = function (ms) { return new Date(ms + data.offset_minutes * 60000).toISOString(); };
    var drawTicks = function () {
      var from = data.start_ms + span * view[0] / 1000, to = data.start_ms + span * view[1] / 1000;
      var minutes = (to - from) / 60000, most = Math.max(2, Math.min(8, Math.floor(ticks.clientWidth / 80)));
      var step = STEPS.filter(function (s) { return minutes / s <= most; })[0] || STEPS[STEPS.length - 1];
      var local = from + data.offset_minutes * 60000, unit = step * 60000;
      var first = Math.floor(local / unit) * unit + unit - data.offset_minutes * 60000;
      var day = stamp(from).slice(0, 10);
      while (ticks.firstChild) { ticks.removeChild(ticks.firstChild); }
      var start = document.createElement("span"), from_iso = stamp(from);
      start.className = "start";
      start.textContent = from_iso.slice(5, 10) + " " + from_iso.slice(11, 16);
      start.style.left = "0%";
      ticks.appendChild(start);
      for (var t = first; t < to; t += unit) {
        var at = (t - from) / (to - from);
        if (at < 0.14 || at > 0.86) { continue; }  // clear of the start label, not cut at the right edge
        var iso = stamp(t), label = document.createElement("span");
        label.textContent = iso.slice(0, 10) === day ? iso.slice(11, 16) : iso.slice(5, 10) + " " + iso.slice(11, 16);
        day = iso.slice(0, 10);
        label.style.left = ((t - from) / (to - from) * 100) + "%";
        ticks.appendChild(label);
      }
    };
    var setView = function (a, b) {
      view = [a, b];
      svgs.forEach(function (svg) { svg.setAttribute("viewBox", a + " 0 " + (b - a) + " 28"); });
      reset.disabled = a === 0 && b === 1000;
      drawTicks();
    };
    var plotBox = function () { return tl.querySelector(".tl-row.lane .tl-plot, .tl-ok .tl-plot").getBoundingClientRect(); };
    var fraction = function (x) { var box = plotBox(); return Math.min(1, Math.max(0, (x - box.left) / box.width)); };
    tl.addEventListener("pointerdown", function (event) {
      if (!event.target.closest(".tl-plot") || event.button !== 0) { return; }
      drag = { from: fraction(event.clientX), to: fraction(event.clientX) };
      tl.setPointerCapture(event.pointerId);
    });
    tl.addEventListener("pointermove", function (event) {
      if (!drag) { return; }
      drag.to = fraction(event.clientX);
      var box = plotBox(), outer = tl.getBoundingClientRect();
      var left = Math.min(drag.from, drag.to), width = Math.abs(drag.to - drag.from);
      brush.style.left = (box.left - outer.left + left * box.width) + "px";
      brush.style.width = (width * box.width) + "px";
      brush.hidden = false;
    });
    tl.addEventListener("pointerup", function () {
      if (!drag) { return; }
      var lo = Math.min(drag.from, drag.to), hi = Math.max(drag.from, drag.to), size = view[1] - view[0];
      drag = null;
      brush.hidden = true;
      if ((hi - lo) * size < minWidth || hi - lo < 0.01) { return; }
      setView(view[0] + lo * size, view[0] + hi * size);
    });
    tl.addEventListener("dblclick", function () { setView(0, 1000); });
    reset.addEventListener("click", function () { setView(0, 1000); });
    window.addEventListener("resize", drawTicks);
    drawTicks();  // as many labels as the plot's width holds
    $("tl-tools").hidden = false;
  }

  /* --- print: every incident open, whatever the filters ---------------------------------------- */
  var wasClosed = [];
  window.addEventListener("beforeprint", function () {
    wasClosed = incidents.filter(function (el) { return !el.open; });
    wasClosed.forEach(function (el) { el.open = true; });
  });
  window.addEventListener("afterprint", function () {
    wasClosed.forEach(function (el) { el.open = false; });
  });
})();
