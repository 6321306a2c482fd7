// Wide formulas, tables and figures scroll sideways on small screens. A region that
// scrolls must be reachable by keyboard (WCAG 2.1.1), so give exactly those a tab stop.
//
// Whether a box scrolls is known only after layout. book.css lets the browser skip the blocks past
// the first screen (content-visibility: auto): a long chapter is 17,000 elements, and laying them
// all out costs a phone more than half a second of frozen page. So no box is measured before the
// browser lays it out anyway: the boxes on the first screen at once, every other one when its block
// comes near the screen (the browser fires contentvisibilityautostatechange), and the boxes in a
// solution or a tab when the reader opens it. A keyboard user's
// first Tab lays the whole page out in one pass (html class bp-full-layout) and measures every box
// before the focus moves, so Tab never skips a box that scrolls. Browsers without that event get the
// one pass when the page has loaded and the browser is idle.
// <html data-bp-scroll-marked> says that every box has been measured.
(function () {
  "use strict";
  var SELECTOR = ".md-typeset div.arithmatex, .md-typeset figure.bp-figure, .md-typeset .md-typeset__scrollwrap";
  var left = [];
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
    // Lay the whole page out (book.css drops content-visibility) and measure every box left.
    document.documentElement.classList.add("bp-full-layout");
    left.slice().forEach(done);
    document.documentElement.setAttribute("data-bp-scroll-marked", "");
  }

  var idle = window.requestIdleCallback || function (fn) { return setTimeout(fn, 1); };

  function start() {
    started = true;
    clearTimeout(timer);
    document.documentElement.removeAttribute("data-bp-scroll-marked");
    // Material wraps tables in .md-typeset__scrollwrap when it starts: look again each time.
    left = Array.prototype.slice.call(document.querySelectorAll(SELECTOR));
    if (document.documentElement.classList.contains("bp-full-layout")) return all();
    left.slice().forEach(function (el) { if (!skipped(el)) done(el); });
    if (LAZY) return;
    if (document.readyState === "complete") idle(all);
    else window.addEventListener("load", function () { idle(all); });
  }

  // Measure the boxes inside root: a block the browser skipped and is about to draw (its layout is
  // due anyway), a solution the reader opens, a tab the reader switches to.
  function within(root) {
    if (!started || !root.querySelectorAll) return;
    var boxes = Array.prototype.slice.call(root.querySelectorAll(SELECTOR));
    if (root.matches(SELECTOR)) boxes.push(root);  // a display formula is a block of its own
    boxes.forEach(function (el) {
      if (left.indexOf(el) >= 0) done(el);
      else mark(el);
    });
  }
  var LAZY = "oncontentvisibilityautostatechange" in window;
  document.addEventListener("contentvisibilityautostatechange", function (e) {
    if (!e.skipped) within(e.target);
  }, true);
  document.addEventListener("toggle", function (e) {
    if (e.target.open) within(e.target);
  }, true);
  document.addEventListener("change", function (e) {
    var set = e.target.closest && e.target.closest(".tabbed-set");
    if (set) within(set);
  }, true);

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
