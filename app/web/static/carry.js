// What the agent typed on a screen drawn again in place (a case read again after a 412, the case
// screen in the other language): put back in the forms drawn in place of those it was typed in
// (each known by its id), with the refusal said about it, which still says what to correct.
import { $$, sayLines } from "./dom.js";
import { carrySnapshot, modifiedForms } from "./unsaved.js";

const ALERTS = ".msg[role=alert]";

/** `form`'s values as sent (`FormData`), to put back in the form of the same id drawn later. */
export function keepOf(form) {
  return { id: form.id, values: [...new FormData(form)], from: form };
}

/** The input not saved in the forms of `root` (those with an id), and the refusals said about a
 * form of `root` in the boxes of `screen` (each found again by its id, else by its rank among the
 * screen's boxes: the screen is drawn again the same way). */
export function typedInput(root, screen) {
  const forms = modifiedForms(root).filter((form) => form.id).map(keepOf);
  const boxes = $$(ALERTS, screen);
  const refusals = [];
  boxes.forEach((box, rank) => {
    const again = !box.hidden && box.redraw;
    const form = again && again.lines.form;
    if (form && form.id && root.contains(form)) refusals.push({ formId: form.id, boxId: box.id, rank, again });
  });
  return { forms, refusals };
}

/** The values `keep` ({id, values: [[name, value]…], from}) put back in the form of that id, in
 * the form's order, each followed by a change event (a status shows its fields; a desk its
 * consents). A box the agent had left unticked is unticked. What was typed is still not saved. */
export async function restore(keep) {
  const form = keep && document.getElementById(keep.id);
  if (!form) return;
  carrySnapshot(keep.from, form);
  const sent = new Set(keep.values.map(([name]) => name));
  for (const box of form.querySelectorAll("input[type=checkbox]")) if (!sent.has(box.name)) box.checked = false;
  for (const [name, value] of keep.values) {
    // a field drawn only once others are chosen (a booking's free slots): drawn for them first
    if (!form.elements.namedItem(name) && form.refillFor) await form.refillFor(name);
    const input = form.elements.namedItem(name);
    if (!input || typeof value !== "string" || input.disabled) continue;
    if (input.filled) await input.filled;  // a list filled when its answer arrives
    if (input.type === "checkbox") input.checked = true;
    else if (input instanceof RadioNodeList) for (const radio of input) radio.checked = radio.value === value;
    else input.value = value;
    (input instanceof RadioNodeList ? input[0] : input).dispatchEvent(new Event("change"));
  }
}

/** What `typedInput` kept, put back in the screen drawn again: the values, then the refusal said
 * again at the fields of the new forms. */
export async function putBack(kept, screen) {
  for (const keep of kept.forms) await restore(keep);
  const boxes = $$(ALERTS, screen);
  for (const { formId, boxId, rank, again } of kept.refusals) {
    const form = document.getElementById(formId);
    const box = boxId ? document.getElementById(boxId) : boxes[rank];
    if (!form || !box) continue;
    const lines = again.lines(form);
    if (lines) sayLines(box, lines, again.kind);
  }
}
