// Beside the case queues, for supervisors and administrators: the merges awaiting their approval
// (GET /registrant-merges?status=proposed, each examined and decided: merge_review.js) and the
// messages in doubt of their desks (GET /notifications/in-doubt, each decided: messages.js).
// Loaded when the queues' screen first opens.
import { readPart, SessionExpired } from "./api.js";
import { $, el, focusOn, numberSpan, say, unreadNotice } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { DECIDING_ROLES, staffName, when } from "./merge_common.js";
import { reviewControls } from "./merge_review.js";
import { messageLine, resolutionForm } from "./messages.js";
import { names } from "./queue.js";

const reading = { n: 0 };  // only the latest reading draws the lists
document.addEventListener("desk:cleared", () => { reading.n += 1; });

/** Every page of `path` (a list with `{items, next_cursor}`), followed to the end; `{unread: true}`
 * when a page could not be loaded (a refusal, no answer). */
async function allPages(path) {
  const items = [];
  let cursor = null;
  do {
    const r = await readPart(`${path}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    if (!r.ok) return { unread: true };
    items.push(...r.body.items);
    cursor = r.body.next_cursor;
  } while (cursor);
  return { items };
}

async function mergeItems(merges, seq) {
  const rows = [];
  for (const m of merges) {
    const li = el("li");
    const who = await staffName(m.desk_id, m.proposed_by);
    li.append(numberSpan(m.merged_registration_number), ` ${t("merge_into_word")} `, numberSpan(m.survivor_registration_number),
      el("span", ` · ${t("merge_proposed_line", { when: when(m.proposed_at, m.desk_id), who })}`),
      reviewControls(m, (message) => loadReviews(message, "#merge-reviews-msg")));
    rows.push(li);
  }
  if (seq !== reading.n) return;
  $("#merge-reviews-list").replaceChildren(...rows);
  if (!rows.length) $("#merge-reviews-list").append(el("li", t("merges_none_pending")));
}

async function doubtItems(messages, seq) {
  const who = await names(messages.filter((n) => n.registrant_id));
  const rows = messages.map((n) => {
    const li = el("li");
    const [what, how] = messageLine(n);
    li.append(el("span", what), el("br"), el("strong", how), el("br"));
    if (n.registrant_id) {
      const label = who.unread.has(n.registrant_id) ? t("in_doubt_open_unnamed") : t("in_doubt_open", { name: who[n.registrant_id] });
      const open = el("button", label, { type: "button", class: "link" });
      open.addEventListener("click", async () => (await import("./person.js")).openPerson(n.registrant_id));
      li.append(open);
    } else li.append(el("span", `${t("in_doubt_for")} ${t("in_doubt_account")}`));
    li.append(resolutionForm(n, (message) => loadReviews(message, "#in-doubt-msg")));
    return li;
  });
  if (seq !== reading.n) return;
  $("#in-doubt-list").replaceChildren(...rows);
  if (!rows.length) $("#in-doubt-list").append(el("li", t("in_doubt_none")));
}

/** Reads and draws both lists (supervisors and administrators only); `message` said in `where` once drawn. */
export async function loadReviews(message = "", where = "") {
  if (!state.me || !DECIDING_ROLES.includes(state.me.role)) return undefined;
  const seq = ++reading.n;
  try {
    const [merges, doubts] = await Promise.all([
      allPages("/api/v1/registrant-merges?status=proposed&limit=200"), allPages("/api/v1/notifications/in-doubt?limit=200"),
    ]);
    if (seq !== reading.n) return undefined;
    // a list not loaded is said so, emptied — never « none pending » nor the list shown before
    say($("#merge-reviews-msg"), "");
    say($("#in-doubt-msg"), "");
    if (merges.unread) $("#merge-reviews-list").replaceChildren(unreadNotice("list_unread", "li"));
    if (doubts.unread) $("#in-doubt-list").replaceChildren(unreadNotice("list_unread", "li"));
    await Promise.all([merges.unread ? null : mergeItems(merges.items, seq), doubts.unread ? null : doubtItems(doubts.items, seq)]);
    if (message && where && seq === reading.n) { say($(where), message, "ok"); focusOn($(where)); }
  } catch (error) {
    if (!(error instanceof SessionExpired)) say($("#merge-reviews-msg"), error.message);
  }
  return undefined;
}
