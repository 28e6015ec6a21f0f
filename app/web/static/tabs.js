// The screens of the desk view: one visible at a time, focus moved to its heading.
import { $, $$, focusOn } from "./dom.js";

const openers = {};

export function onTab(name, handler) { openers[name] = handler; }

export function showTab(name, { focus = true } = {}) {
  for (const node of $$(".tab")) node.hidden = node.id !== `tab-${name}`;
  for (const b of $$("[data-tab]")) {
    if (b.dataset.tab === name) b.setAttribute("aria-current", "page");
    else b.removeAttribute("aria-current");
  }
  if (openers[name]) openers[name]();
  if (focus) focusOn($(`#tab-${name} h1`) || $(`#tab-${name}`));
}

export function initTabs() {
  for (const b of $$("[data-tab]")) b.addEventListener("click", () => showTab(b.dataset.tab));
}
