"""Problem types of documents (RFC 9457 ``type`` = ``/problems/<slug>``)."""

from app.core.errors import BadRequest, Conflict, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

# The form's problems, shared with every form the API parses (app.core.forms): here for the upload's parser.
from app.core.errors import FormFieldTooLarge as FormFieldTooLarge
from app.core.errors import MalformedMultipart as MalformedMultipart
from app.core.errors import TooManyParts as TooManyParts


class MultipartRequired(UnsupportedMediaType):
    slug = "multipart-required"
    title_fr, title_en = "Envoi multipart/form-data requis", "multipart/form-data required"


class DocumentTooLarge(PayloadTooLarge):
    slug = "document-too-large"
    title_fr, title_en = "Fichier trop volumineux", "File too large"


class EmptyDocument(ValidationFailed):
    slug = "empty-document"
    title_fr, title_en = "Fichier vide", "Empty file"


class DocumentFileMissing(ValidationFailed):
    slug = "document-file-missing"
    title_fr, title_en = "Aucun fichier dans le formulaire", "No file in the form"


class InvalidFilename(ValidationFailed):
    slug = "invalid-filename"
    title_fr, title_en = "Nom de fichier refusé", "Filename refused"


class DocumentTypeNotAllowed(UnsupportedMediaType):
    slug = "document-type-not-allowed"
    title_fr, title_en = "Type de fichier non accepté", "File type not allowed"


class DocumentTypeMismatch(UnsupportedMediaType):
    slug = "document-type-mismatch"
    title_fr, title_en = (
        "Le type déclaré ne correspond pas au contenu du fichier",
        "The declared type does not match the file's content",
    )


class UnreadableDocument(ValidationFailed):
    slug = "document-unreadable"
    title_fr, title_en = "Document illisible ou image trop grande", "Unreadable document or oversized image"


class RangeNotSatisfiable(BadRequest):
    status, slug = 416, "range-not-satisfiable"
    title_fr, title_en = "Plage demandée hors du fichier", "Range not satisfiable"


class SeveralImages(ValidationFailed):
    slug = "document-several-images"
    title_fr, title_en = "Fichier de plusieurs images", "File holding several pictures"


class DocumentAlreadyOnFile(Conflict):
    slug = "document-already-on-file"
    title_fr, title_en = (
        "Ce fichier figure déjà dans le dossier, sous un autre type ou une autre description",
        "This file is already on file, with another kind or description",
    )
