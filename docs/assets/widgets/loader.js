// Loads the book's interactive pieces only on pages that have them.
// A page marks a piece with <… data-bp-widget="NAME">; this loader fetches
// assets/widgets/NAME.js once (it sits next to this file), and the piece registers itself with
// bpWidgets.define(NAME, init); init(element) then runs for every element of that name.
// Pages without pieces load nothing more. Everything works without JavaScript too: the pieces
// only add to a page that already reads in full.
(function () {
  "use strict";
  var base = document.currentScript.src.replace(/loader\.js(\?.*)?$/, "");
  var inits = {};
  var requested = {};
  function run(name) {
    document.querySelectorAll('[data-bp-widget="' + name + '"]').forEach(function (el) {
      if (!el.hasAttribute("data-bp-ready")) {
        el.setAttribute("data-bp-ready", "");
        inits[name](el);
      }
    });
  }
  window.bpWidgets = {
    base: base,
    define: function (name, init) {
      inits[name] = init;
      run(name);
    },
    css: function (name) {
      if (document.querySelector('link[data-bp-css="' + name + '"]')) return;
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = base + name + ".css";
      link.setAttribute("data-bp-css", name);
      document.head.appendChild(link);
    },
  };
  function start() {
    document.querySelectorAll("[data-bp-widget]").forEach(function (el) {
      var name = el.getAttribute("data-bp-widget");
      if (!/^[a-z][a-z0-9-]*$/.test(name) || requested[name]) return;
      requested[name] = true;
      var s = document.createElement("script");
      s.src = base + name + ".js";
      s.defer = true;
      document.head.appendChild(s);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
