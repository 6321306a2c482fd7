// Loads a page's interactive pieces on demand. For each element [data-bp-widget="name"] the files
// name.css and name.js next to this script are fetched once; a page without one loads nothing more.
// The print page keeps the static version that every widget element holds for readers without JavaScript.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.Promise) return;
  var base = me.src.replace(/[^/]*$/, "");
  var styled = (window.bpWidgets = window.bpWidgets || {styled: {}}).styled;
  function load() {
    document.querySelectorAll("[data-bp-widget]").forEach(function (host) {
      var name = host.getAttribute("data-bp-widget");
      if (styled[name] || !/^[a-z][a-z0-9-]*$/.test(name) || host.closest(".print-page")) return;
      var css = document.createElement("link"), js = document.createElement("script");
      css.rel = "stylesheet";
      css.href = base + name + ".css";
      styled[name] = new Promise(function (done) { css.onload = css.onerror = done; });  // the widget waits for its styles
      js.src = base + name + ".js";
      document.head.append(css, js);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
