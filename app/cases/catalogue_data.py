"""The seeded service catalogue (DOMAIN.md, "Service catalogue").

The SLA values and document lists are **defaults chosen for the seed, not rules**: administrators
edit them per type (``PATCH /api/v1/service-types/{code}``). Rationale for the defaults, in
business days of the desk: emergencies are answered the next business day; a one-off answer the
same day (0); health and psychosocial requests within a week; papers and social, legal and study
requests within two to three weeks; employment, training and reintegration within four; business
projects (FAISE files) within six. Closures of the most sensitive types (legal aid, psychosocial,
emergency) need a supervisor's approval by default.
"""

from __future__ import annotations

import re
from typing import Any, Final

SERVICE_TYPE_CATEGORIES: Final = (
    "administrative",
    "legal",
    "social",
    "health",
    "psychosocial",
    "economic",
    "training",
    "education",
    "mobility",
    "reintegration",
    "emergency",
    "information",
)

SENSITIVE_CATEGORIES: Final = frozenset({"legal", "health", "psychosocial", "emergency"})
"""The categories whose service types are sensitive data (DOMAIN.md, "Sensitive data": health
and psychosocial matters, legal status and detention; emergencies name arrests and deaths): a
message to the person never names such a type (:attr:`app.cases.models.ServiceType.sensitive`).
Residence paperwork (``RESIDENCE_MA``, category ``administrative``) names a document, as
consular paperwork does, and is not in the list."""

SEED_SERVICE_TYPES: Final[tuple[dict[str, Any], ...]] = (
    {
        "code": "CONSULAR_ADMIN",
        "label_fr": (
            "Démarches consulaires (passeport, CNI, carte consulaire, état civil, légalisation, laissez-passer)"
        ),
        "label_en": "Consular paperwork (passport, ID card, consular card, civil status, legalisation, laissez-passer)",
        "category": "administrative",
        "default_sla_days": 10,
        "documents_required": ["identity_document", "birth_extract", "photo"],
    },
    {
        "code": "RESIDENCE_MA",
        "label_fr": (
            "Titre de séjour au Maroc (première demande, renouvellement, changement de mention, regroupement familial)"
        ),
        "label_en": "Moroccan residence card (first issue, renewal, change of mention, family reunification)",
        "category": "administrative",
        "default_sla_days": 15,
        "documents_required": ["passport", "residence_card_or_receipt", "work_contract_or_enrolment", "housing_proof"],
    },
    {
        "code": "LEGAL_AID",
        "label_fr": "Aide juridique (litiges du travail, logement, détention, victimes)",
        "label_en": "Legal aid (labour disputes, housing, detention, victims)",
        "category": "legal",
        "default_sla_days": 10,
        "documents_required": ["identity_document", "supporting_documents"],
        "closure_requires_approval": True,
    },
    {
        "code": "SOCIAL",
        "label_fr": "Accompagnement social",
        "label_en": "Social support",
        "category": "social",
        "default_sla_days": 10,
        "documents_required": ["identity_document"],
    },
    {
        "code": "HEALTH",
        "label_fr": "Santé",
        "label_en": "Health",
        "category": "health",
        "default_sla_days": 5,
        "documents_required": ["identity_document", "medical_documents"],
    },
    {
        "code": "PSYCHOSOCIAL",
        "label_fr": "Soutien psychosocial",
        "label_en": "Psychosocial support",
        "category": "psychosocial",
        "default_sla_days": 5,
        "documents_required": [],
        "closure_requires_approval": True,
    },
    {
        "code": "EMPLOYMENT",
        "label_fr": "Emploi",
        "label_en": "Employment",
        "category": "economic",
        "default_sla_days": 20,
        "documents_required": ["identity_document", "cv"],
    },
    {
        "code": "ENTREPRENEURSHIP",
        "label_fr": "Entrepreneuriat (dont dossiers FAISE)",
        "label_en": "Entrepreneurship (including FAISE applications)",
        "category": "economic",
        "default_sla_days": 30,
        "documents_required": ["identity_document", "business_plan"],
    },
    {
        "code": "TRAINING",
        "label_fr": "Formation",
        "label_en": "Training",
        "category": "training",
        "default_sla_days": 20,
        "documents_required": ["identity_document", "diplomas"],
    },
    {
        "code": "STUDENT",
        "label_fr": "Étudiants (bourses, inscription, carte de séjour étudiant)",
        "label_en": "Students (scholarships, enrolment, student residence card)",
        "category": "education",
        "default_sla_days": 15,
        "documents_required": ["passport", "enrolment_certificate"],
    },
    {
        "code": "MOBILITY_INFO",
        "label_fr": "Information mobilité (études, travail, stage, travail saisonnier)",
        "label_en": "Mobility information (study, work, internship, seasonal work)",
        "category": "mobility",
        "default_sla_days": 5,
        "documents_required": [],
    },
    {
        "code": "RETURN_REINTEGRATION",
        "label_fr": "Retour et réintégration",
        "label_en": "Return and reintegration",
        "category": "reintegration",
        "default_sla_days": 20,
        "documents_required": ["identity_document"],
    },
    {
        "code": "EMERGENCY",
        "label_fr": "Urgence (personne bloquée, disparition, décès et rapatriement de dépouille, arrestation)",
        "label_en": "Emergency (stranded, missing person, death and repatriation of remains, arrest)",
        "category": "emergency",
        "default_sla_days": 1,
        "documents_required": [],
        "closure_requires_approval": True,
    },
    {
        "code": "INFO_ONLY",
        "label_fr": "Information ponctuelle",
        "label_en": "One-off information",
        "category": "information",
        "default_sla_days": 0,
        "documents_required": [],
    },
)

DOCUMENT_LABELS: Final[dict[str, dict[str, str]]] = {
    "fr": {
        "identity_document": "Pièce d'identité",
        "birth_extract": "Extrait de naissance",
        "photo": "Photo",
        "passport": "Passeport",
        "residence_card_or_receipt": "Carte de séjour ou récépissé",
        "work_contract_or_enrolment": "Contrat de travail ou attestation d'inscription",
        "housing_proof": "Justificatif de domicile",
        "supporting_documents": "Pièces justificatives",
        "medical_documents": "Documents médicaux",
        "cv": "CV",
        "business_plan": "Plan d'affaires",
        "diplomas": "Diplômes",
        "enrolment_certificate": "Certificat de scolarité",
        "cni_ecowas": "CNI CEDEAO",
        "consular_card": "Carte consulaire",
        "ma_residence_card": "Carte de séjour (Maroc)",
        "card_receipt": "Récépissé",
        "laissez_passer": "Laissez-passer",
        "student_card": "Carte d'étudiant",
        "work_contract": "Contrat de travail",
        "national_id": "Carte d'identité",
        "residence_card": "Titre de séjour",
        "diploma": "Diplôme",
        "contract": "Contrat",
        "medical_certificate": "Certificat médical",
    },
    "en": {
        "identity_document": "Identity document",
        "birth_extract": "Birth certificate extract",
        "photo": "Photo",
        "passport": "Passport",
        "residence_card_or_receipt": "Residence card or receipt",
        "work_contract_or_enrolment": "Work contract or proof of enrolment",
        "housing_proof": "Proof of address",
        "supporting_documents": "Supporting documents",
        "medical_documents": "Medical documents",
        "cv": "CV",
        "business_plan": "Business plan",
        "diplomas": "Diplomas",
        "enrolment_certificate": "Enrolment certificate",
        "cni_ecowas": "ECOWAS ID card",
        "consular_card": "Consular card",
        "ma_residence_card": "Residence card (Morocco)",
        "card_receipt": "Card receipt",
        "laissez_passer": "Laissez-passer",
        "student_card": "Student card",
        "work_contract": "Work contract",
        "national_id": "Identity card",
        "residence_card": "Residence permit",
        "diploma": "Diploma",
        "contract": "Contract",
        "medical_certificate": "Medical certificate",
    },
}
"""What the person reads for a document code of the catalogue (``documents_required``), of an
identity document (``doc_type``) or of an uploaded document (``kind``), in French and English.
The one table: the web client shows these words too, from ``GET
/api/v1/service-types/document-labels`` (``app/web/static/document_labels.js``)."""
_CODE = re.compile(r"^[a-z][a-z0-9_]*$")


def document_label(document: str, language: str) -> str:
    """``document`` as the person reads it in ``language`` (``fr``, ``en``; others French): the
    label of a known code (``identity_document`` → ``Pièce d'identité``), a code the table lacks
    with its underscores as spaces (``tax_certificate`` → ``tax certificate``), anything else
    (a label an agent wrote) as written."""
    labels = DOCUMENT_LABELS.get(language, DOCUMENT_LABELS["fr"])
    if document in labels:
        return labels[document]
    return document.replace("_", " ") if _CODE.match(document) else document
