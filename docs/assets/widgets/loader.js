// Loads a page's interactive pieces on demand. For each element [data-bp-widget="name"] the files
// name.css and name.js next to this script are fetched once; a page without one loads nothing more.
// Every piece only adds to a page that already reads in full without JavaScript.
// A piece's script either starts itself, or calls bpWidgets.define(name, init): init(host) then
// runs once for every host of that name, after the piece's stylesheet has loaded.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me || !window.Promise) return;
  var base = me.src.replace(/[^/]*$/, "");
  var widgets = (window.bpWidgets = window.bpWidgets || {});
  var styled = (widgets.styled = widgets.styled || {});
  widgets.base = base;
  widgets.define = function (name, init) {
    (styled[name] || Promise.resolve()).then(function () {
      document.querySelectorAll('[data-bp-widget="' + name + '"]').forEach(function (host) {
        if (host.hasAttribute("data-bp-ready")) return;
        host.setAttribute("data-bp-ready", "");
        init(host);
      });
    });
  };
  function load() {
    document.querySelectorAll("[data-bp-widget]").forEach(function (host) {
      var name = host.getAttribute("data-bp-widget");
      if (styled[name] || !/^[a-z][a-z0-9-]*$/.test(name)) return;
      var css = document.createElement("link"), js = document.createElement("script");
      css.rel = "stylesheet";
      css.href = base + name + ".css";
      styled[name] = new Promise(function (done) { css.onload = css.onerror = done; });  // the widget waits for its styles
      js.src = base + name + ".js";
      js.onerror = function () {  // the page as without JavaScript (book.css shows what waited for the script)
        document.querySelectorAll('[data-bp-widget="' + name + '"]').forEach(function (h) { h.setAttribute("data-bp-failed", ""); });
      };
      document.head.append(css, js);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", load);
  else load();
})();
