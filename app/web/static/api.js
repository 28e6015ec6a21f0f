// The JSON API seen from the page: tokens, retries after a refresh, problems turned into sentences.
import { code, CODES, colon, i18n, t, unbroken } from "./i18n.js";
import { $$ } from "./dom.js";

export class SessionExpired extends Error {}
export class Offline extends Error {}

const session = { onExpired: () => {} };
export function onSessionExpired(handler) { session.onExpired = handler; }

export function tokens() {
  return { access: sessionStorage.getItem("access"), refresh: sessionStorage.getItem("refresh") };
}

export function storeTokens(body) {
  sessionStorage.setItem("access", body.access_token);
  sessionStorage.setItem("refresh", body.refresh_token);
}

export function forgetTokens() {
  sessionStorage.removeItem("access");
  sessionStorage.removeItem("refresh");
  sessionStorage.removeItem("agent");
}

// No answer (connection lost): a read is only to be asked again; a change may have been saved
// before the answer was lost, and sending it again is safe (the same Idempotency-Key replays the
// first answer, an If-Match no longer matches, the same file is recognised): the message says so.
async function send(path, init) {
  try {
    return await fetch(path, init);
  } catch {
    throw new Offline(t(!init.method || init.method === "GET" ? "offline_read" : "offline"));
  }
}

// One renewal at a time: the requests a screen sends together (a file, the reports) are refused
// together once the access token expires, and the refresh token is rotated on use, so a second
// renewal with it is refused (which signed the agent out). They share the one under way.
let renewing = null;
function refresh() {
  if (!renewing) renewing = renew().finally(() => { renewing = null; });
  return renewing;
}

async function renew() {
  const token = tokens().refresh;
  if (!token) return false;
  const r = await send("/api/v1/auth/token", {
    method: "POST", body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token }),
  });
  if (!r.ok) return false;
  storeTokens(await r.json());
  return true;
}

// `authorized(path, init)` → the fetch Response, the access token renewed once on a 401 (a request
// sent with a token another request renewed meanwhile is only sent again). Throws SessionExpired
// (after telling the page) or Offline.
export async function authorized(path, init = {}, retry = true) {
  const used = tokens().access;
  const headers = { "Accept-Language": i18n.lang, ...(init.headers || {}), Authorization: `Bearer ${used}` };
  const r = await send(path, { ...init, headers });
  if (r.status === 401 && retry && (tokens().access !== used || (await refresh()))) return authorized(path, init, false);
  if (r.status === 401) {
    forgetTokens();
    session.onExpired();
    throw new SessionExpired(t("expired"));
  }
  return r;
}

export async function login(form) {
  const r = await send("/api/v1/auth/token", {
    method: "POST", headers: { "Accept-Language": i18n.lang }, body: new URLSearchParams(new FormData(form)),
  });
  const body = await bodyOf(r);
  if (r.ok) storeTokens(body);
  return { ok: r.ok, status: r.status, body };
}

// `api("GET", path)` → {status, ok, body, etag}. Throws SessionExpired (after telling the page) or Offline.
export async function api(method, path, { json, headers = {}, form } = {}) {
  const all = { ...headers };
  let body;
  if (json !== undefined) { all["Content-Type"] = "application/json"; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  const r = await authorized(path, { method, headers: all, body });
  const answer = { status: r.status, ok: r.ok, body: await bodyOf(r), etag: r.headers.get("ETag") };
  // A change answered: accepted, the form the agent sent holds nothing unsaved any more (unsaved.js).
  if (method !== "GET") document.dispatchEvent(new CustomEvent("desk:answered", { detail: { ok: r.ok } }));
  return answer;
}

/** A read of a list or section whose failure is said in its place (`unreadNotice`), the rest of
 * the screen drawn all the same: `api("GET", path)`'s answer, or — no answer (connection lost) —
 * `{status: 0, ok: false, body: null, etag: null}`. Throws SessionExpired only. */
export async function readPart(path) {
  try {
    return await api("GET", path);
  } catch (error) {
    if (error instanceof Offline) return { status: 0, ok: false, body: null, etag: null };
    throw error;
  }
}

// Fields the API changes without a new version of the record (no new ETag): an account's sign-in.
// A change of them is no one's edit of what the list showed, so it is not compared.
const UNVERSIONED = new Set(["last_login_at"]);

// A record as JSON text with its keys sorted: a list's item and a read of the record compare equal
// whatever order their fields come in.
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    const keys = Object.keys(value).filter((k) => !UNVERSIONED.has(k)).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The ETag of a record as a list drew it (a list gives none), to change it with `If-Match`: the
 * record at `path` is read and the read `{status, ok, body, etag}` returned when it is still the
 * record `shown`, field for field (but those no version covers, UNVERSIONED), so that its ETag is
 * the one of the version the agent saw. Changed meanwhile, the answer is the one the API gives a stale `If-Match`, `{status: 412, ok: false,
 * body: {status, current, current_etag}}`, with nothing sent; a refused read is returned as it is.
 * (A read of the current record's ETag just before the write would write over the change unseen.) */
export async function readAsShown(path, shown) {
  const r = await api("GET", path);
  if (!r.ok || canonical(r.body) === canonical(shown)) return r;
  return { status: 412, ok: false, etag: null, body: { status: 412, detail: t("record_changed"), current: r.body, current_etag: r.etag } };
}

// A response's JSON body (null when empty). A refusal that is not JSON (a proxy's HTML error page)
// is null: the page then says "an error occurred" in its language, never the parser's English.
export async function bodyOf(r) {
  const text = r.status === 204 ? "" : await r.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    if (r.ok) throw new Error(t("unexpected"));
    return null;
  }
}

export function logoutRequest() {
  const { access, refresh: token } = tokens();
  if (!token) return;
  fetch("/api/v1/auth/logout", {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${access}` },
    body: JSON.stringify({ refresh_token: token }),
  }).catch(() => {});
}

// crypto.randomUUID exists only in secure contexts (HTTPS, localhost); getRandomValues everywhere.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

const FIELD_ALIASES = { phones: "phone", consents: "consent", documents: "document_number" };

// A field of `form` by the API's name for it: its own name, one of the names its `data-api` lists
// (the day of a slot form is the API's `start`), else the registration form's name for it.
function fieldOf(form, name) {
  if (!form || !name) return null;
  const own = form.elements.namedItem(name) || form.querySelector(`[data-api~="${CSS.escape(name)}"]`);
  return own || (FIELD_ALIASES[name] && form.elements.namedItem(FIELD_ALIASES[name])) || null;
}

/** What the agent reads as the name of `input` (a field, or a group of them named by its legend);
 * null when it has none. A field's name in the API (`start`, `desk_codes`) is never shown. */
export function labelOf(field) {
  const input = field && !field.tagName && field.length ? field[0] : field;  // radio buttons: their group
  if (!input || !input.tagName) return null;
  // a box standing for its group (`data-by-group`: « at least one ») is named by the group's legend
  const own = input.tagName !== "FIELDSET" && input.type !== "radio" && !input.dataset.byGroup && input.labels && input.labels[0];
  const group = !own && input.closest("fieldset");
  const node = own || (group && group.querySelector("legend"));
  const text = node ? (node.querySelector("[data-t]") || node).textContent.trim() : input.getAttribute("aria-label");
  return text || null;
}

// "<label> : <reason>"; a field the screen does not show (or has no label for) is said in a
// generic wording, never by its identifier in the API.
function fieldLine(input, why) {
  return `${labelOf(input) || t("field_unnamed")}${colon()}${why}`;
}

/** Whether a text field is longer than the API takes: `data-max`, the API's `max_length`, counted
 * as the API counts it (characters, not UTF-16 units, of the text as sent: trimmed). False for a
 * field with no `data-max`. The browser's own length attribute is not used: it cuts a text pasted
 * whole, unseen. */
export function overLimit(input) {
  const max = input.dataset ? input.dataset.max : undefined;
  return max !== undefined && [...String(input.value || "").trim()].length > Number(max);
}

// The browser's own checks of a field (its `validity`) in the reasons the API's refusals use.
function validityReason(input) {
  const v = input.validity;
  // longer than the API takes (form_checks.js): said with its limit, as the API would say it
  if (overLimit(input)) return t("field_too_long_max", { max: count(Number(input.dataset.max)) });
  if (v.customError) return input.validationMessage; // set by the screen, in its language
  if (v.valueMissing) return t(input.type === "checkbox" ? "field_unticked" : input.tagName === "SELECT" || input.type === "radio" ? "field_unchosen" : "field_missing");
  if (v.typeMismatch) return t(input.type === "email" ? "field_email" : "field_invalid");
  if (v.badInput) return t(input.type === "number" ? "field_number" : input.type === "date" ? "field_date" : "field_invalid");
  if (v.rangeUnderflow) return t("field_min", { min: input.min });
  if (v.rangeOverflow) return t("field_max", { max: input.max });
  // the bound said as the API says it: « trop court (au moins 10 caractères visibles) », never a bare
  // « trop court » that leaves the agent guessing how much to add (`data-visible`: the API counts
  // the characters that show, not spaces)
  if (v.tooShort) return t(input.hasAttribute("data-visible") ? "field_too_short_visible" : "field_too_short_min", { min: count(input.minLength) });
  if (v.tooLong) return t("field_too_long");  // no field has the browser's own limit (`data-max` above)
  if (v.stepMismatch && input.type === "number") return t("field_number");
  return t("field_invalid");
}

/** The fields the browser refused to send (its constraint validation: `invalid` events) as
 * sentences like the API's refusals, each field marked `aria-invalid`. */
export function validityLines(form, inputs) {
  clearInvalid(form);
  const lines = [t("check_fields")];
  for (const input of inputs) {
    input.setAttribute("aria-invalid", "true");
    lines.push(fieldLine(input, validityReason(input)));
  }
  // in the other language (dom.js sayAgain); `target`: the form drawn again in place of `form` (a
  // screen drawn again, carry.js), its fields found by their ids
  lines.redraw = (target = form) => validityLines(target, target === form ? inputs
    : inputs.map((input) => input.id && target.querySelector(`#${CSS.escape(input.id)}`)).filter(Boolean));
  lines.redraw.form = form;
  return lines;
}

// The API's validation codes (pydantic's `type`, RFC 9457 `errors[]`) in the interface language,
// an unknown code in English keeps the API's own `msg` (French: a generic word, never English).
const REASONS = {
  missing: "field_missing", string_too_long: "field_too_long", too_long: "field_too_long",
  string_too_short: "field_too_short", too_short: "field_too_short",
  greater_than_equal: "field_small", greater_than: "field_small", less_than_equal: "field_large", less_than: "field_large",
  int_parsing: "field_number", int_type: "field_number", float_parsing: "field_number",
  date_parsing: "field_date", date_from_datetime_parsing: "field_date", date_type: "field_date", date_only: "field_date",
  datetime_parsing: "field_date", datetime_type: "field_date", timezone_aware: "field_date", enum: "field_choice",
  literal_error: "field_choice",
  uuid_parsing: "field_identifier", uuid_type: "field_identifier", string_pattern_mismatch: "field_invalid",
  value_error: "field_invalid", age_range: "field_age_range", blank_after_normalisation: "field_nothing_to_search",
  date_in_future: "field_future", date_in_past: "field_past", date_before_referral: "field_before_referral",
  date_before_registration: "field_before_registration",
  area_unknown: "field_area_unknown", area_mismatch: "field_area_mismatch",
  date_range: "field_date_range", phone_invalid: "field_phone",
};

// A `value_error` says its reason only in its English `msg`: the reasons the API gives, in words.
const VALUE_REASONS = [
  [/is not a calendar date/, "field_not_calendar_date"],
  [/is not a date \(YYYY/, "field_partial_date"],  // a date of birth the form could not write as one
  [/cannot be in the future/, "field_future"],
  [/cannot be before 1900/, "field_before_1900"],
  [/cannot be before the date of birth/, "field_before_birth"],
  [/opening spans of day .* overlap/, "field_hours_overlap"],
  [/each span is .* start before the end/, "field_hours_order"],
  [/is not an ISO 3166-1 alpha-2 country code/, "field_country"],
];

// A `value_error` whose reason the API words in detail (`reason`: an e-mail address's fault, « il
// manque un point… ») in the language asked: said again after a language switch in the client's
// more general words for it, never « valeur non valide ».
const VALUE_REASONS_AGAIN = [
  [/@-sign|email address/, "field_email"],
];

// The types of a value expected that a form sends as null when its field is left empty (a partner's
// name, trimmed to nothing): with that field empty, nothing was given.
const NULL_SENT = new Set(["string_type", "int_type", "float_type", "date_type", "datetime_type", "uuid_type", "none_required"]);

// Nothing given where the API needs a value, said the same on every form whatever the API's type:
// `missing` (absent, empty, or — one-line text — white space only), a `value_error` "must not be
// blank" (free text: a note, a reason), a null sent for an empty field. « à remplir » when the field
// is empty, « ne peut pas être vide ou fait seulement d'espaces » when it holds only spaces (or
// invisible characters): the agent sees something in it. Null when the error is another one.
function nothingReason(error, input) {
  const blank = error.type === "missing" || (error.type === "value_error" && /must not be blank/.test(String(error.msg || "")))
    || (NULL_SENT.has(error.type) && input && isEmpty(input));
  if (!blank) return null;
  const node = input && (input.tagName ? input : input[0]);
  const typed = node && node.tagName !== "FIELDSET" && node.type !== "checkbox" && node.type !== "radio" && String(node.value || "") !== "";
  return t(typed ? "field_blank" : "field_missing");
}

// A date of birth (`data-partial-date`) longer than the API's 10 characters is a date written in a
// way the form could not read (« né le 15/03/1992 », « 15 mars 1992 », « 1992-03-15T00:00 »): said
// as such, with the ways it takes, not « trop long (10 caractères au plus) », which asks to cut it.
function dateTooLong(error, input) {
  const partial = input && input.tagName === "INPUT" && input.hasAttribute("data-partial-date");
  return partial && String(error.type).includes("too_long") ? t("field_partial_date") : null;
}

// `detail`: the problem's own detail (in the language asked), said for a field error whose type
// has no words here, rather than a bare "invalid value". A limit broken (a length, a bound) is said
// as the API says it, with the limit (`reason`, in the language asked: "trop long (200 caractères
// au plus)"): "too long" alone leaves the agent guessing how much to cut. `input`: the form's field.
function reason(error, detail, input) {
  const own = clientReason(error, input);
  if (own) return own;
  // this screen's own words for a reason it knows (they do not repeat the field's label), else the API's
  const valueKey = valueReason(error);
  if (valueKey) return t(valueKey);
  if (error.reason) return error.reason;
  const key = REASONS[error.type] || (String(error.type).includes("too_long") ? "field_too_long" : null);
  if (key) return t(key);
  if (detail) return inWords(detail);
  return i18n.lang === "fr" || !error.msg ? t("field_invalid") : error.msg;
}

// A text refused for a character the agent does not see: one that reorders what is shown after it
// (U+202E…: the text looks right, "live" for U+202E "evil"), or a control character pasted with it
// (U+0007…, which cannot be stored). The character and its position (1-based, from the API's `msg`)
// are named with what to do — "valeur non valide", or the API's "caractères de contrôle", left the
// agent before a text that looks right.
const CHARACTER_REASONS = {
  text_bidi_control: ["field_bidi", "field_bidi_somewhere"],
  text_disallowed_character: ["field_control", "field_control_somewhere"],
};

function characterReason(error) {
  const keys = CHARACTER_REASONS[error.type];
  if (!keys) return null;
  const found = /(U\+[0-9A-F]{4,6})\b.*?\bposition (\d+)/.exec(String(error.msg || ""));
  return found ? t(keys[0], { char: found[1], pos: found[2] }) : t(keys[1]);
}

// The reasons the client words itself whatever the API said: a character not seen, nothing given, a
// date of birth it could not read (null for any other error).
function clientReason(error, input) {
  return characterReason(error) || nothingReason(error, input) || dateTooLong(error, input);
}

// The key of the words of a `value_error` whose reason the API gives only in its English `msg`
// (`again`: also those it words in detail, for a refusal said again in the other language).
function valueReason(error, again = false) {
  if (error.type !== "value_error") return undefined;
  const found = (reasons) => (reasons.find(([re]) => re.test(String(error.msg || ""))) || [])[1];
  return found(VALUE_REASONS) || (again ? found(VALUE_REASONS_AGAIN) : undefined);
}

// A number of a limit as the interface language writes it (« 10 000 »), never parted from its word.
const count = (n) => unbroken(new Intl.NumberFormat(i18n.lang).format(n));

// The words of a limit broken, with the limit (the API's `ctx`: `max_length`, `ge`…), as the API's
// `reason` says it: a refusal said again in the other language keeps « (10 000 caractères au plus) ».
// Null when the error states no limit.
const LIMITS = [
  [/^too_long$/, "max_length", "field_too_many"],  // a list's (a text's is string_too_long)
  [/^too_short$/, "min_length", "field_too_few"],
  [/too_long/, "max_length", "field_too_long_max"],
  [/too_short/, "min_length", "field_too_short_min"],
  [/^greater_than_equal$/, "ge", "field_small_min"],
  [/^greater_than$/, "gt", "field_small_above"],
  [/^less_than_equal$/, "le", "field_large_max"],
  [/^less_than$/, "lt", "field_large_below"],
];

function limitReason(error, input) {
  const ctx = error.ctx || {};
  const found = LIMITS.find(([re, member]) => re.test(String(error.type)) && typeof ctx[member] === "number");
  if (!found) return null;
  const [, member, key] = found;
  const visible = key === "field_too_short_min" && input && input.hasAttribute && input.hasAttribute("data-visible");
  const n = count(ctx[member]);
  return t(visible ? "field_too_short_visible" : key, { min: n, max: n });
}

// A field error said again in a language other than the one the API answered in: the client's own
// words for it (its type, its limit, a reason it knows) in the new language, else the API's words
// as they were given (its `reason`, the problem's `detail`) — never a placeholder in their place
// (« à vérifier » stood for « Un partenaire nommé … existe déjà »). A `value_error`'s generic
// words (« valeur non valide ») do not replace the API's reason for it (« facile à deviner… »).
function ownReason(error, input, detail) {
  const own = clientReason(error, input);
  if (own) return own;
  const limit = limitReason(error, input);
  if (limit) return limit;
  const valueKey = valueReason(error, true);
  if (valueKey) return t(valueKey);
  const key = error.type === "value_error" ? null
    : REASONS[error.type] || (String(error.type).includes("too_long") ? "field_too_long" : null);
  return key ? t(key) : reason(error, detail, input);
}

// The generic detail of a validation failure ("see `errors`") says nothing a field line does not.
const specific = (problem) => (problem && problem.detail && !String(problem.detail).includes("`errors`") ? problem.detail : null);

// An API detail sometimes names a status or a field by its code ("marqué kept"): the words instead.
function inWords(text) {
  return String(text).replace(/`?\b[a-z]+(?:_[a-z]+)*\b`?/g, (word) => {
    const bare = word.replaceAll("`", "");
    const known = CODES[i18n.lang][bare] || CODES.fr[bare];
    if (known && (bare.includes("_") || /^(kept|missed|cancelled|booked|received|qualified|oriented|referred|resolved|transferred|pending|linked|created|discarded)$/.test(bare))) {
      return code(bare).toLowerCase();
    }
    return word;
  });
}

export function clearInvalid(form) {
  for (const n of $$("[aria-invalid]", form)) n.removeAttribute("aria-invalid");
}

// Nothing typed, chosen or ticked in `input` (a field, a group of them, a fieldset).
function isEmpty(input) {
  const nodes = input.tagName === "FIELDSET" ? [...input.elements] : input.tagName ? [input] : [...input];
  return !nodes.some((n) => (n.type === "checkbox" || n.type === "radio" ? n.checked : String(n.value || "").trim()));
}

// A problem+json body (RFC 9457) as sentences for a person, with the fields at fault marked in `form`.
// `asked`: the language the API answered in (its `reason`s and `detail` are in it); in another one,
// each field at fault is said in the client's words where it has them, the API's kept as given
// where it has not (ownReason), and a problem said only by its `detail` keeps it as given.
export function problemLines(problem, form, { focus = true, asked = i18n.lang } = {}) {
  const lines = refusalLines(problem, form, focus, i18n.lang !== asked);
  // Said again in the other language (dom.js sayAgain), and in the API's own words once back in
  // its language. `target`: the form drawn again in place of `form` (a screen drawn again, carry.js)
  if (lines) {
    lines.redraw = (target = form) => problemLines(problem, target, { focus: false, asked });
    lines.redraw.form = form;
  }
  return lines;
}

function refusalLines(problem, form, focus, otherLanguage) {
  if (form) clearInvalid(form);
  let errors = (problem && problem.errors) || [];
  // A problem naming one field (`field`: a requirement of the workflow, a name already taken): the
  // field is marked; "to be filled" when it is empty, else the API's own reason (its `detail`).
  const named = problem && problem.field && fieldOf(form, problem.field);
  if (!errors.length && named) errors = [{ loc: [problem.field], type: isEmpty(named) ? "missing" : "field_problem" }];
  if (!errors.length) return [inWords((problem && (problem.detail || problem.title)) || t("unexpected"))];
  const lines = [t("check_fields")];
  let first = null;
  for (const error of errors) {
    const loc = (error.loc || []).filter((p) => p !== "body" && p !== "query");
    const input = fieldOf(form, loc[0]);
    if (input && input.setAttribute) {
      input.setAttribute("aria-invalid", "true");
      first = first || input;
    }
    lines.push(fieldLine(input, otherLanguage ? ownReason(error, input, specific(problem)) : reason(error, specific(problem), input)));
  }
  if (first && focus) first.focus();
  return lines;
}

// One Idempotency-Key per thing being sent: the same content resent (after a failure) keeps its key,
// changed content gets a new one. `slot` names the form ("registration", "note:<case id>"…).
const keys = new Map();
export function keyFor(slot, body) {
  const fingerprint = JSON.stringify(body);
  const known = keys.get(slot);
  if (known && known.fingerprint === fingerprint) return known.key;
  const key = newKey();
  keys.set(slot, { fingerprint, key });
  return key;
}

export function sent(slot) { keys.delete(slot); }
export function forgetKeys() { keys.clear(); }
