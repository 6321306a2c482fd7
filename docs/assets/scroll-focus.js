// Wide formulas, tables and figures scroll sideways on small screens. A region that
// scrolls must be reachable by keyboard (WCAG 2.1.1), so give exactly those a tab stop.
(function () {
  "use strict";
  var SELECTOR = ".md-typeset div.arithmatex, .md-typeset figure.bp-figure, .md-typeset .md-typeset__scrollwrap";
  function mark() {
    document.querySelectorAll(SELECTOR).forEach(function (el) {
      var scrolls = el.scrollWidth > el.clientWidth + 1;
      if (scrolls && !el.hasAttribute("tabindex")) {
        el.setAttribute("tabindex", "0");
        el.setAttribute("data-bp-scroll", "");
      } else if (!scrolls && el.hasAttribute("data-bp-scroll")) {
        el.removeAttribute("tabindex");
        el.removeAttribute("data-bp-scroll");
      }
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", mark);
  } else {
    mark();
  }
  window.addEventListener("resize", mark);
})();
