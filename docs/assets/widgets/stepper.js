/* Backprop step by step: the steps of a network graph's forward and backward pass, one at a time.
   The page writes the steps as a list inside <div data-bp-widget="stepper">, next to a graph drawn by
   scripts/book/graph.py. Each item opens with its equation label and layer, as the page numbers it:
   <strong data-step="B2" data-layer="2">. Without JavaScript the list simply shows every step.

   Which parts of the graph a step touches is the graph's to say (book.graph.touches): every unit,
   edge and the loss lists its steps in data-steps as label@layer ("B2@2"); the build checks that
   each step of the page is listed there (book.graph.step_problems). A step that lights nothing is
   still a console error.

   Cheap at load: with scripting on, book.css shows only the first step until this script has started
   (the other ten, thousands of KaTeX elements, are never laid out), and the script measures nothing.
   The bar sits above the steps, so a step of another height never moves the buttons. */
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
    list.parentNode.insertBefore(bar, list);  // above the steps: a step of another height moves nothing above it
    host.classList.add("bp-stepper");
    host.setAttribute("role", "group");
    host.setAttribute("aria-label", "Backpropagation step by step");

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
    // eyes (opened at the graph: a layout shift of 0.33), and above the screen it would move the text
    // being read. Until then it stays as the page drew it, the graph above the steps. Where it is
    // comes from IntersectionObserver, which reports after the browser's own layout: nothing is
    // measured here (a read would lay the page out at once).
    if (!window.IntersectionObserver) host.classList.add("bp-stepper-wide");
    else {
      // Told when it leaves the screen at the foot, and (the screen's foot stretched far down) when a
      // jump takes it from above the screen to below, as Home or a link to the top of the page does.
      // The first report, for the page as first drawn, says whether it starts below the screen.
      var watch = ["0px", "0px 0px 100000px 0px"].map(function (margin) {
        var w = new IntersectionObserver(function (entries) {
          var last = entries[entries.length - 1];
          if (!watch || last.boundingClientRect.top < window.innerHeight) return;
          watch.forEach(function (v) { v.disconnect(); });
          watch = null;
          host.classList.add("bp-stepper-wide");
        }, {rootMargin: margin});
        w.observe(host);
        return w;
      });
    }
    show(0);
  }

  if (window.bpWidgets && window.bpWidgets.define) window.bpWidgets.define("stepper", init);
})();
