// Run in the whole-book document (print media, viewport as wide as the printed column) before printing.
// On the web a wide formula, table or code block scrolls in its own box; on paper it would be cut off.
// Scale each one that is wider than the room it has, with CSS zoom (text stays text, vectors stay vectors),
// and report what was scaled and anything that still sticks out. Then mark the blocks short enough to move
// to the next page whole (data-bp-keep, break-inside: avoid in print.css); a taller one may break, or it would
// leave most of a page empty.
({ pageHeight, keepFraction }) => {
  const book = document.querySelector("main.bp-book");
  const SELECTOR = "div.arithmatex, table, figure, .bp-row, .bp-grid, pre, .highlight";
  const describe = (el) => {
    const chapter = el.closest("section.bp-chapter");
    const heading = chapter ? chapter.querySelector("h1") : null;
    return {
      chapter: chapter ? chapter.id : null,
      title: heading ? heading.textContent.trim() : null,
      what: el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.split(/\s+/).join(".") : ""),
      text: (el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 80),
    };
  };
  const room = (el) => {
    const parent = el.parentElement;
    const style = getComputedStyle(parent);
    const pr = parent.getBoundingClientRect();
    const left = pr.left + parent.clientLeft + parseFloat(style.paddingLeft);
    const width = parent.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    return { left, right: left + width, width };
  };
  const scaled = [];
  const candidates = [...book.querySelectorAll(SELECTOR)].filter((el) => !el.parentElement.closest(SELECTOR));
  // Measure everything first, then change: a change must not shift what is measured next.
  const plans = [];
  for (const el of candidates) {
    const r = el.getBoundingClientRect();
    const box = room(el);
    const need = Math.max(el.scrollWidth, r.width) + Math.max(0, r.left - box.left);
    if (need > box.width + 0.5) plans.push([el, Math.floor((box.width / need) * 1000) / 1000]);
  }
  for (const [el, factor] of plans) {
    el.style.zoom = String(factor);
    scaled.push({ ...describe(el), factor });
  }
  void book.offsetHeight;
  const limit = book.getBoundingClientRect().right + 1;
  const overflow = [];
  for (const el of book.querySelectorAll(SELECTOR)) {
    if (el.parentElement.closest(SELECTOR)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > limit || el.scrollWidth > el.clientWidth + 2) overflow.push({ ...describe(el), right: r.right, limit });
  }
  const KEEP = "table, pre, .highlight, .admonition, details, .bp-tab, blockquote, .footnote li";
  let kept = 0;
  for (const el of book.querySelectorAll(KEEP)) {
    if (el.getBoundingClientRect().height <= keepFraction * pageHeight) {
      el.setAttribute("data-bp-keep", "");  // not a class: Material styles only tables without one
      kept += 1;
    }
  }
  return { scaled, overflow, kept };
}
