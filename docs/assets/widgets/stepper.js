/* Backprop step by step: the steps of a network graph's forward and backward pass, one at a time.
   The page writes the steps as a list inside <div data-bp-widget="stepper">, next to a graph drawn by
   scripts/book/graph.py. Each item opens with its equation label and layer, as the page numbers it:
   <strong data-step="B2" data-layer="2">. Without JavaScript the list simply shows every step.

   Which parts of the graph a step touches is the graph's to say (book.graph.touches): every unit,
   edge and the loss lists its steps in data-steps as label@layer ("B2@2"); the build checks that
   each step of the page is listed there (book.graph.step_problems). A step that lights nothing is
   still a console error. */
(function () {
  "use strict";

  function button(text, arrow, after) {
    var b = document.createElement("button"), a = document.createElement("span");
    b.type = "button";
    a.setAttribute("aria-hidden", "true");
    a.textContent = arrow;
    b.append(after ? text + " " : "", a, after ? "" : " " + text);
    return b;
  }

  function init(host) {
    var graph = host.querySelector(".bp-graph");
    var list = host.querySelector("ol");
    if (!graph || !list) return;
    var first = Number(graph.getAttribute("data-first-layer") || 0);
    var items = Array.prototype.slice.call(list.children).filter(function (li) { return li.querySelector("[data-step]"); });
    var steps = items.map(function (li) {
      var tag = li.querySelector("[data-step]");
      var label = tag.getAttribute("data-step"), layer = tag.getAttribute("data-layer");
      var touched = Array.prototype.slice.call(graph.querySelectorAll('[data-steps~="' + label + "@" + layer + '"]'));
      if (!touched.length) console.error("stepper: step " + label + " layer " + layer + " touches nothing in the graph");
      // What the step computes: the units of its own layer (the graph's data-layer counts from the input, 0).
      var result = touched.filter(function (el) { return el.matches(".bp-graph-node") && Number(el.getAttribute("data-layer")) + first === Number(layer); });
      return {li: li, label: label, name: tag.textContent, touched: touched, result: result};
    });
    if (!steps.length) return;

    var prev = button("Previous", "←", false), next = button("Next", "→", true);
    var status = document.createElement("p");
    status.className = "bp-stepper-status";
    status.setAttribute("aria-live", "polite");
    status.setAttribute("aria-atomic", "true");
    var bar = document.createElement("div");
    bar.className = "bp-stepper-bar";
    bar.append(prev, status, next);
    list.parentNode.insertBefore(bar, list.nextSibling);  // below the steps: nothing on screen moves down
    host.classList.add("bp-stepper");
    host.setAttribute("role", "group");
    host.setAttribute("aria-label", "Backpropagation step by step");

    // The list keeps the height of its tallest step, so the bar stays put under the mouse.
    // And the theme's "Back to top" button: where it sits at the foot of the screen (Zensical), the
    // bar, held at the foot while the stepper is in view, keeps above it (Material puts it at the top).
    function measure() {
      list.style.minHeight = "";
      var tallest = Math.max.apply(null, steps.map(function (step) {
        steps.forEach(function (s) { s.li.hidden = s !== step; });
        return list.getBoundingClientRect().height;
      }));
      steps.forEach(function (s, i) { s.li.hidden = i !== k; });
      list.style.minHeight = tallest + "px";
      var top = document.querySelector(".md-top"), r = top ? top.getBoundingClientRect() : {height: 0};
      var lift = r.height && r.top > window.innerHeight / 2 ? Math.ceil(window.innerHeight - r.top) + 8 : 0;
      host.style.setProperty("--bp-stepper-lift", lift + "px");
    }
    var later = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(later);
      later = window.setTimeout(measure, 150);
    });

    var k = -1;
    function show(i) {
      i = Math.max(0, Math.min(steps.length - 1, i));
      if (i === k) return;
      if (k >= 0) steps[k].touched.forEach(function (el) { el.classList.remove("bp-on", "bp-result"); });
      k = i;
      var step = steps[k];
      steps.forEach(function (s) { s.li.hidden = s !== step; });
      step.touched.forEach(function (el) { el.classList.add("bp-on"); });
      step.result.forEach(function (el) { el.classList.add("bp-result"); });
      host.setAttribute("data-current", step.label);
      status.textContent = "Step " + (k + 1) + " of " + steps.length + ": " + step.name;
      prev.setAttribute("aria-disabled", String(k === 0));
      next.setAttribute("aria-disabled", String(k === steps.length - 1));
    }
    prev.addEventListener("click", function () { show(k - 1); });
    next.addEventListener("click", function () { show(k + 1); });
    host.addEventListener("keydown", function (e) {
      var to = {ArrowRight: k + 1, ArrowLeft: k - 1, Home: 0, End: steps.length - 1}[e.key];
      if (to === undefined || e.altKey || e.ctrlKey || e.metaKey || !e.target.closest(".bp-stepper-bar")) return;
      e.preventDefault();
      show(to);
    });
    // Side by side on a wide screen (stepper.css), from the first moment the stepper is below the
    // screen: switching while it is in view would move the graph and the steps under the reader's
    // eyes (opened at the graph: a layout shift of 0.33), and above the screen it would move the
    // text being read. Until then it stays as the page drew it, the graph above the steps.
    function below() { return host.getBoundingClientRect().top >= window.innerHeight; }
    function wide() { host.classList.add("bp-stepper-wide"); measure(); }
    if (below() || !window.IntersectionObserver) host.classList.add("bp-stepper-wide");
    else {
      // Told when it leaves the screen at the foot, and (the screen's foot stretched far down) when a
      // jump takes it from above the screen to below, as Home or a link to the top of the page does.
      var watch = ["0px", "0px 0px 100000px 0px"].map(function (margin) {
        var w = new IntersectionObserver(function () {
          if (!below() || !watch) return;
          watch.forEach(function (v) { v.disconnect(); });
          watch = null;
          wide();
        }, {rootMargin: margin});
        w.observe(host);
        return w;
      });
    }
    measure();
    show(0);
  }

  if (window.bpWidgets && window.bpWidgets.define) window.bpWidgets.define("stepper", init);
})();
