// What a screen must not show, read in the page by tests/web/test_layout.py (a function expression,
// evaluated by Playwright; it returns the faults found as sentences, [] when none):
// - two things drawn on each other: line boxes of text, controls, labels (one inside the other aside);
// - a label left at the end of a line while its field starts the next one (a label stands before its
//   field, or right above its start);
// - a list (select) whose chosen option is not read once, whole: cut by the list (a list drawn by
//   the browser's own widget: its arrow takes about 20 px; a customizable one, style.css, wraps its
//   choice and is cut only if wider than itself), or said again right under it (`.whole-choice`,
//   whole_words.js, only for browsers that cannot wrap a list's choice: Chromium can);
// - a form following a list or another form with no heading of its own (the form reads as part of
//   what is above it): a heading, or a legend, stands between them (a form in a list's row, a
//   search form, a form of buttons only and a form named by aria-label(ledby) aside);
// - a code, number, date or e-mail parted at one of its hyphens over two lines ("CASA-" / "BASE"):
//   a word made of capitals, or holding a digit or an "@" (a hyphenated name or French word may
//   part, as print does);
// - a number parted from its unit or from its date's words over two lines ("56" / "ko", "18" /
//   "déc.", "10:30" / "UTC"): French typography joins them with a no-break space;
// - a box that scrolls sideways (a wide table on a phone) not at its start: its first columns, which
//   say which row it is, out of sight;
// - a heading set apart from what follows it by more than 24 px (a gap: an empty box, a button's
//   margin on top of the heading's), or a message box or notice with nothing to say taking room.
() => {
  const SHOWN = "a, button, input, select, textarea, label, legend, h1, h2, h3, h4, p, dt, dd, strong, span, small, td, th";
  const name = (e) => {
    const words = (e.innerText || e.value || "").trim().slice(0, 40);
    return `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} "${words}"`;
  };
  const visible = (e) => getComputedStyle(e).visibility !== "hidden" && e.getClientRects().length > 0 && !e.closest(".skip");
  const boxes = (e) => [...e.getClientRects()].filter((r) => r.width > 1 && r.height > 1);
  const meet = (r, q) => Math.min(r.right, q.right) - Math.max(r.left, q.left) > 2
    && Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top) > 2;
  const faults = [];

  // Each pair of things shown, named in document order; only those whose vertical extents meet are
  // compared box by box (sorted by top, a sweep), each thing's boxes read once: every pair read anew
  // took 4 s on the 50 row forms of an import's flagged rows, the sweep 0.05 s.
  const shown = [...document.querySelectorAll(SHOWN)].filter(visible)
    .map((e, order) => ({ e, order, rects: boxes(e) })).filter((s) => s.rects.length > 0);
  for (const s of shown) [s.top, s.bottom] = [Math.min(...s.rects.map((r) => r.top)), Math.max(...s.rects.map((r) => r.bottom))];
  const byTop = [...shown].sort((s, t) => s.top - t.top);
  const overlaps = [];
  for (let i = 0; i < byTop.length; i++) {
    for (let j = i + 1; j < byTop.length && byTop[j].top < byTop[i].bottom - 2; j++) {
      const [a, b] = [byTop[i], byTop[j]].sort((s, t) => s.order - t.order);
      if (a.e.contains(b.e) || b.e.contains(a.e)) continue;
      if (a.rects.some((r) => b.rects.some((q) => meet(r, q)))) overlaps.push([a, b]);
    }
  }
  overlaps.sort(([a, b], [c, d]) => a.order - c.order || b.order - d.order);
  for (const [a, b] of overlaps) faults.push(`${name(a.e)} overlaps ${name(b.e)}`);

  for (const label of document.querySelectorAll("label[for]")) {
    const control = document.getElementById(label.htmlFor);
    if (!control || !visible(label) || !visible(control) || label.contains(control)) continue;
    const [l, c] = [label.getBoundingClientRect(), control.getBoundingClientRect()];
    if (l.bottom <= c.top + 2 && l.left > c.left + 8) faults.push(`${name(label)} is parted from ${name(control)}`);
  }

  const ruler = document.createElement("span");
  ruler.style.cssText = "position:absolute;visibility:hidden;white-space:pre";
  document.body.append(ruler);
  for (const select of document.querySelectorAll("select")) {
    if (!visible(select) || select.selectedIndex < 0) continue;
    const style = getComputedStyle(select);
    const chosen = select.options[select.selectedIndex].text;
    const whole = select.nextElementSibling;
    if (whole && whole.matches(".whole-choice") && visible(whole)) faults.push(`${name(select)} says its choice "${chosen}" twice`);
    if (style.appearance === "base-select") {
      if (select.scrollWidth > select.clientWidth + 1) faults.push(`${name(select)} cuts its choice "${chosen}"`);
      continue;
    }
    ruler.style.font = style.font;
    ruler.textContent = chosen;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    if (ruler.getBoundingClientRect().width > room) faults.push(`${name(select)} cuts its choice "${chosen}"`);
  }
  ruler.remove();

  const HEADING = /^(H[1-6]|LEGEND)$/;
  const fields = (e) => e.querySelector("input:not([type=hidden]), select, textarea");
  for (const form of document.querySelectorAll("form")) {
    if (!visible(form) || !fields(form) || form.closest("li") || form.getAttribute("role") === "search") continue;
    if (form.hasAttribute("aria-label") || form.hasAttribute("aria-labelledby")) continue;
    const first = form.querySelector("h1, h2, h3, h4, h5, h6, legend");
    if (first && !form.firstElementChild.matches("label, input, select, textarea")) continue;
    for (let before = form.previousElementSibling; before; before = before.previousElementSibling) {
      if (HEADING.test(before.tagName)) break;
      if (visible(before) && (before.matches("ul, ol, dl, table") || (before.matches("form") && fields(before)))) {
        faults.push(`${name(form)} follows ${name(before)} with no heading of its own`);
        break;
      }
    }
  }

  const CODE = /[\p{L}\p{N}@._+]*[\p{L}\p{N}]-[\p{L}\p{N}][\p{L}\p{N}@._+-]*/gu;
  const codeLike = (w) => /\p{N}|@/u.test(w) || w.split("-").some((part) => /^\p{Lu}{2,}$/u.test(part));
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement || !visible(node.parentElement)) continue;
    for (const m of node.data.matchAll(CODE)) {
      if (!codeLike(m[0])) continue;
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) faults.push(`"${m[0]}" is parted at a hyphen in ${name(node.parentElement)}`);
    }
  }

  const MONTHS = ["janv.", "janvier", "févr.", "février", "mars", "avr.", "avril", "mai", "juin", "juil.", "juillet",
    "août", "sept.", "septembre", "oct.", "octobre", "nov.", "novembre", "déc.", "décembre", "january", "february",
    "march", "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  const UNITS = ["o", "ko", "mo", "go", "octet", "octets", "kb", "mb", "gb", "byte", "bytes", "%", "€", "h", "min", "utc",
    "mad", "fcfa", "xof", "eur", "jour", "jours", "day", "days"];
  const words = [...MONTHS, ...UNITS].map((w) => w.replace(".", "\\.")).join("|");
  const WITH_UNIT = new RegExp(`\\d[ \u00a0\u202f](?:${words})(?!\\p{L})`, "giu");
  const walkUnits = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walkUnits.nextNode(); node; node = walkUnits.nextNode()) {
    if (!node.parentElement || !visible(node.parentElement)) continue;
    for (const m of node.data.matchAll(WITH_UNIT)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (tops.size > 1) faults.push(`"${m[0]}" is parted from its number in ${name(node.parentElement)}`);
    }
  }

  for (const box of document.querySelectorAll("body *")) {
    if (box.scrollLeft > 0 && box.scrollWidth > box.clientWidth && visible(box)) {
      faults.push(`${name(box)} opens scrolled ${box.scrollLeft}px sideways, its first columns out of sight`);
    }
  }

  for (const heading of document.querySelectorAll("h1, h2, h3, h4")) {
    if (!visible(heading)) continue;
    let next = heading.nextElementSibling;
    while (next && next.getClientRects().length === 0) next = next.nextElementSibling;
    if (!next || !visible(next)) continue;
    const gap = next.getBoundingClientRect().top - heading.getBoundingClientRect().bottom;
    if (gap > 24) faults.push(`${name(heading)} stands ${Math.round(gap)}px above ${name(next)}`);
  }
  for (const box of document.querySelectorAll(".msg, .note, [role=alert], [role=status]")) {
    if (!box.textContent.trim() && !box.querySelector("input, select, textarea, img") && box.getBoundingClientRect().height > 0) {
      faults.push(`${name(box)} is empty but takes room`);
    }
  }
  return faults;
}
