// Words of a case's follow-up: the partner's answer to a referral, the documents asked of the
// person, the closure request a supervisor decides (added to LABELS and CODES on import).
import { addWords } from "./i18n.js";

export const FOLLOWUP_LABELS = {
  fr: {
    referral_answer: "Réponse du partenaire", referral_reference: "Référence du partenaire",
    referral_answered_on: "Date de la réponse", referral_answered_on_hint: "Vide : la date du jour au guichet.",
    referral_expected_on: "Réponse attendue le (date donnée par le partenaire)", optional: "Facultatif",
    referral_answered_line: "réponse le {date}",
    notes_unread: "Les notes du dossier n'ont pas pu être chargées : rouvrez le dossier pour réessayer.",
    referrals_unread: "Les orientations du dossier n'ont pas pu être chargées : rouvrez le dossier pour réessayer.",
    docs_missing: "Documents manquants", docs_usual: "Documents habituels pour ce service",
    docs_no_usual: "Ce type de service ne prévoit aucun document : écrivez ceux qui manquent.",
    docs_other: "Autres documents manquants (un par ligne)", docs_send: "Demander ces documents à la personne",
    docs_intro: "La personne reçoit la liste des documents attendus, sur le canal qu'elle a choisi et si elle a consenti à être contactée.",
    docs_none_named: "Cochez ou écrivez au moins un document.",
    docs_queued: "Documents demandés : {documents}. Le message part vers la personne.",
    docs_skipped: "Documents demandés : {documents}. La demande est notée au dossier, mais aucun message n'est parti : {reason}.",
    ev_documents_requested: "a demandé des documents à la personne : {documents}", documents_erased: "liste effacée",
    with_requested: "clôture proposée : {status}",
    closure_request: "Demande de clôture", closure_asked_by: "Demandée par", closure_asked_at: "{who}, le {when}",
    closure_proposed_status: "Clôture proposée", closure_proposed_outcome: "Résultat proposé",
    closure_agent_note: "Note de l'agent", closure_no_note: "Aucune note",
    closure_explain_supervisor: "L'agent demande de clore le dossier {number} de {person}. Vous approuvez cette clôture (ou en choisissez une autre), ou vous la refusez : le dossier revient alors en suivi, avec votre motif.",
    closure_explain_agent: "Ce dossier attend la décision d'un superviseur sur sa clôture.",
    closure_decide: "Décision sur la demande de clôture", closure_decision: "Votre décision",
    closure_approve: "Approuver : {status}", closure_other: "Clore autrement : {status}",
    closure_refuse: "Refuser : renvoyer en suivi", closure_refuse_reason: "Motif du refus (l'agent le lira)",
    closure_save: "Enregistrer la décision", closing_note: "Note de clôture (facultative)",
    requested_status: "Clôture proposée au superviseur",
  },
  en: {
    referral_answer: "Partner's answer", referral_reference: "Partner's reference",
    referral_answered_on: "Date of the answer", referral_answered_on_hint: "Empty: the desk's today.",
    referral_expected_on: "Answer expected on (date given by the partner)", optional: "Optional",
    referral_answered_line: "answered on {date}",
    notes_unread: "The case's notes could not be loaded: open the case again to retry.",
    referrals_unread: "The case's referrals could not be loaded: open the case again to retry.",
    docs_missing: "Documents missing", docs_usual: "Usual documents for this service",
    docs_no_usual: "This service type lists no document: write those missing.",
    docs_other: "Other documents missing (one per line)", docs_send: "Ask the person for these documents",
    docs_intro: "The person receives the list of documents expected, on the channel they chose and if they consented to be contacted.",
    docs_none_named: "Tick or write at least one document.",
    docs_queued: "Documents asked for: {documents}. The message is on its way to the person.",
    docs_skipped: "Documents asked for: {documents}. The request is recorded on the case, but no message left: {reason}.",
    ev_documents_requested: "asked the person for documents: {documents}", documents_erased: "list erased",
    with_requested: "closure proposed: {status}",
    closure_request: "Closure request", closure_asked_by: "Asked by", closure_asked_at: "{who}, on {when}",
    closure_proposed_status: "Closure proposed", closure_proposed_outcome: "Outcome proposed",
    closure_agent_note: "Agent's note", closure_no_note: "No note",
    closure_explain_supervisor: "The agent asks to close case {number} of {person}. You approve this closure (or choose another), or you refuse it: the case then goes back to follow-up, with your reason.",
    closure_explain_agent: "This case awaits a supervisor's decision on its closure.",
    closure_decide: "Decision on the closure request", closure_decision: "Your decision",
    closure_approve: "Approve: {status}", closure_other: "Close otherwise: {status}",
    closure_refuse: "Refuse: back to follow-up", closure_refuse_reason: "Reason for refusing (the agent will read it)",
    closure_save: "Record the decision", closing_note: "Closing note (optional)",
    requested_status: "Closure proposed to the supervisor",
  },
};

// Why a message to the person was not sent (`reason` of a skipped notification). The documents
// service types usually require (`documents_required`) are in words from the API: document_labels.js.
export const FOLLOWUP_CODES = {
  fr: {
    no_consent: "la personne n'a pas consenti à être contactée", no_channel: "aucun moyen de la joindre (téléphone vérifié ou e-mail)",
    opted_out: "la personne a choisi de ne recevoir aucun message",
  },
  en: {
    no_consent: "the person did not consent to be contacted", no_channel: "no way to reach them (verified phone or e-mail)",
    opted_out: "the person chose to receive no messages",
  },
};

addWords(FOLLOWUP_LABELS, FOLLOWUP_CODES);
