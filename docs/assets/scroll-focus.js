// Wide formulas, tables and figures scroll sideways on small screens. A region that
// scrolls must be reachable by keyboard (WCAG 2.1.1), so give exactly those a tab stop.
//
// Whether a box scrolls is known only after layout, and laying out a whole long chapter is
// what makes a phone stall: book.css lets the browser skip blocks far from the screen
// (content-visibility: auto), and measuring such a block would force its layout. So a box is
// measured when it is laid out anyway: at load if it is near the screen, and as the reader
// scrolls to it (IntersectionObserver). The first Tab key press lays the whole page out and
// measures every box, before the focus moves, so a keyboard user never tabs past one.
// <html data-bp-scroll-marked> says that every box has been measured.
(function () {
  "use strict";
  var SELECTOR = ".md-typeset div.arithmatex, .md-typeset figure.bp-figure, .md-typeset .md-typeset__scrollwrap";
  var left = [];
  var observer = null;
  var started = false;

  function mark(el) {
    var scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls && !el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("data-bp-scroll", "");
    } else if (!scrolls && el.hasAttribute("data-bp-scroll")) {
      el.removeAttribute("tabindex");
      el.removeAttribute("data-bp-scroll");
    }
  }

  function done(el) {
    var i = left.indexOf(el);
    if (i >= 0) left.splice(i, 1);
    if (observer) observer.unobserve(el);
    mark(el);
    if (!left.length) document.documentElement.setAttribute("data-bp-scroll-marked", "");
  }

  function skipped(el) {
    // true while the browser skips the box's contents (content-visibility: auto, far from the
    // screen); asked of its first child, since a formula's wrapper <bp-k> has no box of its own
    var probe = el.firstElementChild;
    if (probe && probe.tagName === "BP-K") probe = probe.firstElementChild;
    probe = probe || el;
    return typeof probe.checkVisibility === "function" && !probe.checkVisibility({ contentVisibilityAuto: true });
  }

  function all() {
    // A keyboard user: lay the whole page out (book.css drops content-visibility) and measure all.
    document.documentElement.classList.add("bp-full-layout");
    left.slice().forEach(done);
  }

  function when_shown(el, tries) {
    if (!skipped(el) || tries > 10) done(el);
    else requestAnimationFrame(function () { when_shown(el, tries + 1); });
  }

  function start() {
    started = true;
    clearTimeout(timer);
    document.documentElement.removeAttribute("data-bp-scroll-marked");
    if (observer) observer.disconnect();
    // Material wraps tables in .md-typeset__scrollwrap when it starts: look again each time.
    left = Array.prototype.slice.call(document.querySelectorAll(SELECTOR));
    if (!("IntersectionObserver" in window) || document.documentElement.classList.contains("bp-full-layout")) return all();
    observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        if (entry.isIntersecting) when_shown(entry.target, 0);
      });
    });
    left.slice().forEach(function (el) {
      if (!skipped(el)) done(el);
      else observer.observe(el);
    });
    if (!left.length) document.documentElement.setAttribute("data-bp-scroll-marked", "");
  }

  var timer = null;
  function later() {
    clearTimeout(timer);
    timer = setTimeout(start, 100);
  }

  document.addEventListener("keydown", function (e) {
    if (e.key !== "Tab") return;
    if (!started) start();  // a Tab before the page has finished starting
    if (left.length) all();
  }, true);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", later);
  else later();
  window.addEventListener("resize", later);
})();
