// Words kept whole on screen, whichever module drew them (it watches the page, so that no screen
// has to think of it):
// - a code, number, date or e-mail is never parted at one of its hyphens ("CASA-" / "BASE" over
//   two lines: browsers break a line after a hyphen): each is put in a `.nowrap` span. A word made
//   of capitals, or holding a digit or an "@"; a hyphenated name or French word parts as in print;
// - a list (select) whose chosen option is too long for it (a desk's or a service type's full name
//   on a phone) has the option said whole right under it (`.whole-choice`, hidden from screen
//   readers: they read the option whole already), in a browser that cannot wrap it in the list
//   itself (style.css's customizable select: the choice is then read once, wrapped).
const CODE = /[\p{L}\p{N}@._+]*[\p{L}\p{N}]-[\p{L}\p{N}][\p{L}\p{N}@._+-]*/gu;
const codeLike = (word) => /\p{N}|@/u.test(word) || word.split("-").some((part) => /^\p{Lu}{2,}$/u.test(part));
const LEFT_AS_IS = "script, style, select, option, textarea, .nowrap, .mono";

function keepCodesWhole(text) {
  const parent = text.parentElement;
  if (!parent || !text.isConnected || parent.closest(LEFT_AS_IS)) return;
  const data = text.data;
  const found = [...data.matchAll(CODE)].filter((m) => codeLike(m[0]));
  if (!found.length) return;
  const parts = [];
  let at = 0;
  for (const m of found) {
    if (m.index > at) parts.push(data.slice(at, m.index));
    const span = document.createElement("span");
    span.className = "nowrap";
    span.textContent = m[0];
    parts.push(span);
    at = m.index + m[0].length;
  }
  if (at < data.length) parts.push(data.slice(at));
  text.replaceWith(...parts);
}

const measure = document.createElement("canvas").getContext("2d");
// a browser that draws lists as style.css asks (customizable select) wraps their choice: never cut
const WRAPPED = CSS.supports("appearance", "base-select");

function sayChoiceWhole(select) {
  const next = select.nextElementSibling;
  let whole = next && next.matches(".whole-choice") ? next : null;
  const option = select.options[select.selectedIndex];
  let cut = false;
  if (option && select.isConnected && select.clientWidth > 0 && !WRAPPED) {
    const style = getComputedStyle(select);
    measure.font = style.font;
    // the list's arrow takes about 20 px
    const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
    cut = measure.measureText(option.text).width > room;
  }
  if (!cut) {
    if (whole) whole.remove();
    return;
  }
  if (!whole) {
    whole = document.createElement("small");
    whole.className = "whole-choice";
    whole.setAttribute("aria-hidden", "true");
    select.after(whole);
  }
  if (whole.textContent !== option.text) whole.textContent = option.text;
}

const sized = new ResizeObserver((entries) => { for (const entry of entries) sayChoiceWhole(entry.target); });
const watched = new WeakSet();

function watchSelect(select) {
  if (watched.has(select)) return sayChoiceWhole(select);
  watched.add(select);
  select.addEventListener("change", () => sayChoiceWhole(select));
  sized.observe(select);
  return undefined;
}

function visit(node) {
  if (node.nodeType === Node.TEXT_NODE) return keepCodesWhole(node);
  if (node.nodeType !== Node.ELEMENT_NODE) return undefined;
  const texts = [];
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  for (let text = walker.nextNode(); text; text = walker.nextNode()) texts.push(text);
  texts.forEach(keepCodesWhole);
  for (const select of node.matches("select") ? [node] : node.querySelectorAll("select")) watchSelect(select);
  return undefined;
}

/** Keep words whole in the page from now on (called once, at start-up). */
export function keepWordsWhole() {
  visit(document.body);
  new MutationObserver((records) => {
    for (const record of records) {
      // options added to a list, or their words changed (another language): said whole again if cut
      const target = record.target.nodeType === Node.ELEMENT_NODE ? record.target : record.target.parentElement;
      const select = target && target.closest("select");
      if (select) sayChoiceWhole(select);
      if (record.type === "characterData") keepCodesWhole(record.target);
      else record.addedNodes.forEach(visit);
    }
  }).observe(document.body, { childList: true, subtree: true, characterData: true });
}
