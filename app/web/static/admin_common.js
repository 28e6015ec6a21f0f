// What the administration screens share: every page of a list, a refusal of the API said in
// sentences next to the form (the field at fault marked), a failure of the connection said.
import { clearInvalid, problemLines, readPart, SessionExpired } from "./api.js";
import { el, focusOn, say, sayLines, unreadNotice } from "./dom.js";

/** Every item of the list at `path`, which the API answers either as a bare array or page after
 * page (`{items, next_cursor}`, followed with `cursor=` until `next_cursor` is null).
 * → `{ok: true, items}`, or `{ok: false, r}` with the refusal (`r.status` 0: no answer). */
export async function listAll(path) {
  const items = [];
  let cursor = null;
  do {
    const url = cursor ? `${path}${path.includes("?") ? "&" : "?"}cursor=${encodeURIComponent(cursor)}` : path;
    const r = await readPart(url);
    if (!r.ok) return { ok: false, r };
    if (Array.isArray(r.body)) return { ok: true, items: r.body };
    items.push(...r.body.items);
    cursor = r.body.next_cursor || null;
  } while (cursor);
  return { ok: true, items };
}

/** Whether the refusal `r` of a list's read is about what the reader asked for (400, 422: a filter,
 * a period ending before it starts), said next to the form, the field marked; any other failure
 * (no answer: status 0, a server's error, a refusal of access) is the list's own: said in its place
 * (dom.js `unreadNotice`), never as an empty list nor by leaving the list read before. */
export const askedAmiss = (r) => r.status === 400 || r.status === 422;

/** `list` (a `<ul>`) after its read failed: `first`, the notice alone in its place (`key`: its
 * words); else (a page more) the pages shown kept and the notice after them (« la suite… »). */
export function listUnread(list, first, key = "list_unread_again") {
  for (const notice of list.querySelectorAll(".unread")) notice.remove();
  if (first) list.replaceChildren();
  list.append(unreadNotice(first ? key : "more_unread", "li"));
}

/** A message box (role=alert), hidden until something is said in it. */
export function messageBox(id) {
  const attrs = { class: "msg", role: "alert", hidden: "" };
  if (id) attrs.id = id;
  return el("p", null, attrs);
}

/** Say the API's refusal `r` in `box`: field errors (`errors[]`, 422) as lines naming the fields
 * of `form` and marking them; any other refusal (409 last administrator, 412, 404…) by its detail,
 * the field it names (`field`) marked in `form`. Focus goes to the box. */
export function refuse(box, r, form = null) {
  const body = r.body || null;
  const fielded = Boolean(body && body.errors && body.errors.length);
  const lines = problemLines(body, fielded ? form : null);
  if (!fielded && form) {
    clearInvalid(form);
    const input = body && body.field && form.elements.namedItem(body.field);
    if (input && input.setAttribute) input.setAttribute("aria-invalid", "true");
  }
  sayLines(box, lines);
  focusOn(box);
}

/** A failure that is not an answer (no connection, a reply that is not JSON) said in `box`; an
 * ended session is said by the sign-in screen already. */
export function failed(box, error) {
  if (error instanceof SessionExpired) return;
  say(box, error.message);
  focusOn(box);
}

/** The words of a list's row: `title` in bold, then ` · details` (its buttons go after it, beside
 * the words at desk width and below them on a phone: style.css `.row-words`). */
export function rowWords(title, details) {
  const words = el("span", null, { class: "row-words" });
  words.append(el("strong", title), ` · ${details}`);
  return words;
}

/** A labelled input: `[label, input]`, the input's id `id`. */
export function field(id, name, label, { type = "text", value = "", required = false, autocomplete = "off" } = {}) {
  const input = el("input", null, { id, name, type, autocomplete });
  input.value = value;
  input.required = required;
  return [el("label", label, { for: id }), input];
}
