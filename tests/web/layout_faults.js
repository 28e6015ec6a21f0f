// What a screen must not show, read in the page by tests/web/test_layout.py (a function expression,
// evaluated by Playwright; it returns the faults found as sentences, [] when none):
// - two things drawn on each other: line boxes of text, controls, labels (one inside the other aside);
// - a label left at the end of a line while its field starts the next one (a label stands before its
//   field, or right above its start);
// - at desk width (900 px and more: the client's two-column layout), a list (select) whose chosen
//   option does not fit it: the browser cuts it and the agent does not read what is chosen (its arrow
//   takes about 20 px). On a phone a list is the screen's width and a long option (a desk's or a
//   service type's full name) is cut by any browser; the phone's own picker shows the options whole.
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

  const shown = [...document.querySelectorAll(SHOWN)].filter(visible);
  for (let i = 0; i < shown.length; i++) {
    for (let j = i + 1; j < shown.length; j++) {
      const [a, b] = [shown[i], shown[j]];
      if (a.contains(b) || b.contains(a)) continue;
      if (boxes(a).some((r) => boxes(b).some((q) => meet(r, q)))) faults.push(`${name(a)} overlaps ${name(b)}`);
    }
  }

  for (const label of document.querySelectorAll("label[for]")) {
    const control = document.getElementById(label.htmlFor);
    if (!control || !visible(label) || !visible(control) || label.contains(control)) continue;
    const [l, c] = [label.getBoundingClientRect(), control.getBoundingClientRect()];
    if (l.bottom <= c.top + 2 && l.left > c.left + 8) faults.push(`${name(label)} is parted from ${name(control)}`);
  }

  const ruler = document.createElement("span");
  ruler.style.cssText = "position:absolute;visibility:hidden;white-space:pre";
  document.body.append(ruler);
  for (const select of window.innerWidth >= 900 ? document.querySelectorAll("select") : []) {
    if (!visible(select) || select.selectedIndex < 0) continue;
    const style = getComputedStyle(select);
    ruler.style.font = style.font;
    ruler.textContent = select.options[select.selectedIndex].text;
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    if (ruler.getBoundingClientRect().width > room) faults.push(`${name(select)} cuts its choice "${ruler.textContent}"`);
  }
  ruler.remove();
  return faults;
}
