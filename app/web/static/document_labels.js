// The words of document codes — a service type's usual documents (`documents_required`), identity
// document types (`doc_type`), uploaded documents' kinds (`kind`) — are the API's
// (`GET /api/v1/service-types/document-labels`): the agent reads the words the messages to the
// person use, kept in one table on the server (app/cases/catalogue_data.py DOCUMENT_LABELS).
import { api } from "./api.js";
import { addWords } from "./i18n.js";

/** Add the document words, both languages, to the code tables. Without an answer (the network
 * failed) the screens still load and a document code is shown humanised ("birth extract"). */
export async function loadDocumentLabels() {
  try {
    const r = await api("GET", "/api/v1/service-types/document-labels");
    if (r.ok) addWords({ fr: {}, en: {} }, r.body);
  } catch {
    // the screens load without them (see above)
  }
}
