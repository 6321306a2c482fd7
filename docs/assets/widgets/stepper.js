/* Backprop step by step: the steps of a network graph's forward and backward pass, one at a time.
   The page writes the steps as a list inside <div data-bp-widget="stepper">, next to a graph drawn by
   scripts/book/graph.py. Each item opens with its equation label and layer, as the page numbers it:
   <strong data-step="B2" data-layer="2">. Without JavaScript the list simply shows every step.

   Which parts of the graph an equation touches, for layer l (the arrays' numbering, input = 0, as in
   the graph's data-layer; L is the output layer). Every part must also list the label in its
   data-steps, so the graph and this table have to agree; a step that lights nothing is an error. */
(function () {
  "use strict";
  var TOUCHES = {
    F1: function (l) { return [node(l - 1), edge(l), node(l)]; },        // (F1) z = W a_prev + b
    F2: function (l) { return [node(l)]; },                              // (F2) a = g(z)
    J: function (l) { return [node(l), edge("loss"), "g.bp-graph-loss"]; }, // J(a[L], y)
    B1: function (l) { return ["g.bp-graph-loss", edge("loss"), node(l)]; }, // (B1) delta[L] = dJ/da[L] ⊙ g'(z[L])
    B2: function (l) { return [node(l + 1), edge(l + 1), node(l)]; },     // (B2) delta[l] = (W[l+1]ᵀ delta[l+1]) ⊙ g'(z[l])
    B3: function (l) { return [node(l), edge(l), node(l - 1)]; },         // (B3) dJ/dW[l] = delta[l] a_prevᵀ
    B4: function (l) { return [node(l)]; }                               // (B4) dJ/db[l] = delta[l]
  };
  function node(l) { return 'g.bp-graph-node[data-layer="' + l + '"]'; }
  function edge(l) { return l === "loss" ? "g.bp-graph-edges[data-layer=loss] > g.bp-graph-edge" : 'g.bp-graph-edge[data-layer="' + l + '"]'; }

  // The graph's parts that (label) at layer l touches.
  function parts(graph, label, l) {
    var touches = TOUCHES[label] ? TOUCHES[label](l) : [];
    return touches.length ? Array.prototype.slice.call(graph.querySelectorAll(touches.map(function (sel) {
      return sel + '[data-steps~="' + label + '"]';
    }).join(", "))) : [];
  }

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
      var label = tag.getAttribute("data-step");
      var l = Number(tag.getAttribute("data-layer")) - first;  // the page's layer in the graph's numbering
      var touched = parts(graph, label, l);
      if (!touched.length) console.error("stepper: step " + label + " layer " + tag.getAttribute("data-layer") + " touches nothing in the graph");
      var result = touched.filter(function (el) { return el.matches(".bp-graph-node") && el.getAttribute("data-layer") === String(l); });
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
    function reserve() {
      list.style.minHeight = "";
      var tallest = Math.max.apply(null, steps.map(function (step) {
        steps.forEach(function (s) { s.li.hidden = s !== step; });
        return list.getBoundingClientRect().height;
      }));
      steps.forEach(function (s, i) { s.li.hidden = i !== k; });
      list.style.minHeight = tallest + "px";
    }
    var later = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(later);
      later = window.setTimeout(reserve, 150);
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
    reserve();
    show(0);
  }

  if (window.bpWidgets && window.bpWidgets.define) window.bpWidgets.define("stepper", init);
})();
