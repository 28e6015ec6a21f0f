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
