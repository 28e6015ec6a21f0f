// DOM helpers. Every text goes in with textContent (never as HTML), so nothing a registrant typed
// can run as script in an agent's browser.
import { t } from "./i18n.js";

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function el(tag, text, attrs = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

// A registration or register number in its own unbreakable span (.mono): never parted at its hyphens.
export function numberSpan(number) {
  return el("span", number, { class: "mono" });
}

/** The "Annuler" button of an edit form opened in a list's row by `opener` (hidden while the form
 * is open): the form it is in — the one drawn again after a 412 too — removed, nothing sent, and
 * `opener` shown again, focused. */
export function cancelButton(opener) {
  const button = el("button", t("cancel"), { type: "button", class: "secondary", "data-t": "cancel" });
  button.addEventListener("click", () => {
    button.closest("form").remove();
    opener.hidden = false;
    focusOn(opener);
  });
  return button;
}

// A message in the box next to the action (role=alert or status set in the page); replaces any earlier
// one, there and in the other message boxes of the same screen: a screen says only the latest outcome
// ("Compte créé." does not stay beside a later refusal). Notes without a live role stay.
export function say(box, text, kind = "error") {
  const screen = text && box.closest && box.closest(".tab");
  if (screen) {
    for (const other of screen.querySelectorAll(".msg[role=alert], .msg[role=status]")) {
      if (other !== box && !other.hidden) { other.hidden = true; other.textContent = ""; }
    }
  }
  box.hidden = !text;
  box.className = `msg ${kind}`;
  box.textContent = text || "";
  delete box.redraw;
}

export function sayLines(box, lines, kind = "error") {
  say(box, lines[0], kind);
  if (lines.length > 1) {
    const ul = el("ul");
    // A problem is said once, however many times it was found (two errors of the API at one field).
    for (const line of new Set(lines.slice(1))) ul.append(el("li", line));
    box.append(ul);
  }
  // Lines that can be said again (a refusal: `lines.redraw`) are, when the language changes.
  if (lines.redraw) box.redraw = { lines: lines.redraw, kind };
}

/** The client's own words `key` in `box` (a hint: what to type), said again in the other language
 * when it changes. */
export function sayWords(box, key, kind = "info") {
  const lines = () => Object.assign([t(key)], { redraw: lines });
  sayLines(box, lines(), kind);
}

/** The messages on screen after the language changed: a refusal is said again in the new language
 * (the agent's input stays, and it says what to correct in it); any other message, said in the
 * language left and that cannot be said again, goes (no French left beside English words). */
export function sayAgain(root = document) {
  for (const box of $$(".msg[role=alert], .msg[role=status]", root)) {
    if (box.hidden) continue;
    const lines = box.redraw && box.redraw.lines();
    if (lines) sayLines(box, lines, box.redraw.kind);
    else say(box, "");
  }
}

/** What stands in place of a list or section that could not be loaded (a refusal, no answer):
 * said so, with what the agent can do (`key`: the section's own words, else « La liste n'a pas pu
 * être chargée »), never an empty list nor « Aucun… ». A note without a live role: it stays when
 * another message of the screen is said. `tag` "li" for a notice inside the list's own `<ul>`.
 * `answer`: the refusal, when there was one; a 403 says that the account's role does not allow it
 * (reloading cannot help), never « rechargez la page ». */
export function unreadNotice(key = "list_unread", tag = "p", answer = null) {
  return el(tag, t(answer && answer.status === 403 ? "role_refused" : key), { class: "msg warning unread" });
}

// Run `action` with the button showing progress; a second click while it runs does nothing.
export async function busy(button, action) {
  if (button.dataset.busy) return undefined;
  button.dataset.busy = "1";
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  const label = button.textContent;
  button.textContent = t("busy");
  try {
    return await action();
  } finally {
    delete button.dataset.busy;
    button.disabled = false;
    button.removeAttribute("aria-busy");
    button.textContent = label;
  }
}

// Move keyboard and screen reader focus to something that just appeared.
// Save `blob` as the file `name` (a download the browser asks about or stores), from a blob: URL
// revoked once the browser has taken it: how a document, an export or an archive fetched with the
// agent's token reaches the agent's disk (no URL that works without the token is ever made).
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = el("a", null, { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** `table` in a box of its own that scrolls sideways when the table is wider than the screen (a
 * phone): a new box each time the table is drawn, so that it opens at its start (the columns that
 * say which row it is), never where an earlier table's box was left scrolled. */
export function scrollingTable(table) {
  const box = el("div", null, { class: table.tagName === "IMG" ? "chart-scroll" : "table-scroll" });
  box.append(table);
  // Only while the table is wider than its box (a phone) is the box a stop for the Tab key, whose
  // arrow keys then scroll it (WCAG 2.1.1: a mouse alone could scroll it), a region named by the
  // table's caption (a chart, `img`: by its text); a table that fits adds no stop.
  const reachable = () => {
    const scrolls = box.scrollWidth > box.clientWidth;
    if (scrolls === box.hasAttribute("tabindex")) return;
    if (!scrolls) {
      for (const name of ["tabindex", "role", "aria-labelledby", "aria-label"]) box.removeAttribute(name);
      return;
    }
    box.tabIndex = 0;
    const caption = table.querySelector("caption");
    if (caption) {
      if (!caption.id) caption.id = `caption-${++captions}`;
      box.setAttribute("role", "region");
      box.setAttribute("aria-labelledby", caption.id);
    } else if (table.alt) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", table.alt);
    }
  };
  const watch = new ResizeObserver(reachable);
  watch.observe(box);
  watch.observe(table);
  return box;
}
let captions = 0;

export function focusOn(node) {
  if (!node) return;
  if (!node.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(node.tagName)) node.tabIndex = -1;
  node.focus();
}

export function definitionList(rows) {
  const dl = el("dl");
  for (const [k, v] of rows) {
    const dd = v instanceof Node ? el("dd") : el("dd", v === null || v === undefined || v === "" ? t("empty") : v);
    if (v instanceof Node) dd.append(v);
    dl.append(el("dt", k), dd);
  }
  return dl;
}

// A clickable row that also opens with Enter or Space (a real button inside a list item).
export function openRow(parts, onOpen) {
  const li = el("li");
  const button = el("button", null, { type: "button", class: "row" });
  for (const part of parts) button.append(part);
  button.addEventListener("click", onOpen);
  li.append(button);
  return li;
}

/** What `run()` of a confirmButton returns to leave its question open: the answer was lost on the
 * way (no connection) and the message says to answer "yes" again. */
export const KEEP_ASKING = Symbol("keep asking");

// A button that asks first, inline (no window.confirm: it is not read well by screen readers and
// the strict CSP pages are tested headless): a group with the question and two buttons, focus on
// the question; "no" puts the focus back on the button, "yes" runs `run()` (a promise). Once it
// has run, the question closes — a refusal said by `run()` stays readable under the button, and
// the question is not left inviting a retry that would be refused again — unless `run()` returns
// KEEP_ASKING. `name`: the button's accessible name when its label alone does not say which item
// it acts on (several such buttons on one screen: "Annuler le rendez-vous : Awa Diop, 10:00").
export function confirmButton({ label, name = "", question, yes, no }, run) {
  const wrap = el("span", null, { class: "confirm-wrap" });
  const ask = el("button", label, { type: "button", class: "secondary", "aria-expanded": "false" });
  if (name) ask.setAttribute("aria-label", name);
  const group = el("div", null, { role: "group", class: "confirm", hidden: "" });
  const prompt = el("p", question, { tabindex: "-1" });
  group.setAttribute("aria-label", name || label);
  const yesButton = el("button", yes, { type: "button" });
  const noButton = el("button", no, { type: "button", class: "secondary" });
  group.append(prompt, yesButton, noButton);
  const close = () => { group.hidden = true; ask.hidden = false; ask.setAttribute("aria-expanded", "false"); };
  ask.addEventListener("click", () => {
    group.hidden = false;
    ask.setAttribute("aria-expanded", "true");
    ask.hidden = true;
    focusOn(prompt);
  });
  noButton.addEventListener("click", () => { close(); focusOn(ask); });
  yesButton.addEventListener("click", () => busy(yesButton, async () => {
    if ((await run()) === KEEP_ASKING) return;
    const focused = group.contains(document.activeElement);
    close();
    if (focused) focusOn(ask);  // the focus was on a button now hidden
  }));
  wrap.append(ask, group);
  return wrap;
}

// A read whose answer draws `node`: `const current = drawTurn(node)` before the request, and
// nothing drawn unless `current()` after it — an answer overtaken by a later read of the same
// node (another year asked while the first was still loading) must not replace the later one.
export function drawTurn(node) {
  const turn = String(Number(node.dataset.turn || 0) + 1);
  node.dataset.turn = turn;
  return () => node.dataset.turn === turn;
}
