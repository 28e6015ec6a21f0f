"""A guard: the French texts the API sends (problem titles and details, field reasons, import
reasons) speak the desk's words, not the API's.

It reads every string of ``app/`` written in French (by its place: ``detail_fr=``, ``title_fr``, a
name ending in ``_fr``…, or by its words) and fails on what a desk agent reading it on the screen
cannot act on: a field or parameter name (``desk_code``, ``days``, ``named=true``, ``{name}_etag``),
an HTTP header or status code, or « trop long », « trop volumineux »… without the limit.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from app.core.config import Settings
from app.main import create_app

APP = Path(__file__).resolve().parents[2] / "app"

_FRENCH_WORDS = re.compile(
    r"[éèêàçùûôîœ«»]|\b(le|la|les|des|du|est|pas|une|un|pour|avec|cette|ce|vous|votre|ne|dans|sur|au|aux|et|ou|"
    r"vaut|doit|sont|requis|requise|précisez|envoyez)\b",
    re.IGNORECASE,
)
_ENGLISH_WORDS = re.compile(r"\b(the|is|not|this|with|and|of|for|to|be|are|must|should|cannot|send|has)\b")


def _template(node: ast.AST) -> str | None:
    """A string literal, or an f-string with each placeholder as ``{}``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)  # type: ignore[misc]
    return None


def _named_french(name: str | None) -> bool:
    return bool(name) and (name == "fr" or name.endswith("_fr") or name.startswith("fr_") or "_fr_" in name)  # type: ignore[union-attr]


def _said_in_french(text: str, by_place: bool) -> bool:
    french, english = len(_FRENCH_WORDS.findall(text)), len(_ENGLISH_WORDS.findall(text))
    return (by_place and 0 < french >= english) or (french >= 2 and french > english)


def _place_names(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> Iterator[str]:
    """The names that say what a string is: the keyword, variable, attribute or dict key it is given
    to, looking up through the expressions that build it."""
    child, parent = node, parents.get(node)
    while parent is not None:
        if isinstance(parent, ast.keyword):
            yield parent.arg or ""
        elif isinstance(parent, ast.Tuple) and isinstance(assign := parents.get(parent), ast.Assign):
            # ``title_fr, title_en = "…", "…"``: the name at the string's own place
            target = assign.targets[0]
            if isinstance(target, ast.Tuple) and len(target.elts) == len(parent.elts):
                named = target.elts[parent.elts.index(child)]  # type: ignore[arg-type]
                yield named.id if isinstance(named, ast.Name) else getattr(named, "attr", "")
                return
        elif isinstance(parent, ast.Assign | ast.AnnAssign):
            for target in parent.targets if isinstance(parent, ast.Assign) else [parent.target]:
                for named in ast.walk(target):
                    if isinstance(named, ast.Name):
                        yield named.id
                    elif isinstance(named, ast.Attribute):
                        yield named.attr
        elif isinstance(parent, ast.Dict) and child in parent.values:
            key = parent.keys[parent.values.index(child)]  # type: ignore[arg-type]
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                yield key.value
        elif isinstance(parent, ast.FunctionDef | ast.Return | ast.stmt):
            if isinstance(parent, ast.Return):
                func = next((p for p in _ancestors(parent, parents) if isinstance(p, ast.FunctionDef)), None)
                if func is not None:
                    yield func.name
            return
        child, parent = parent, parents.get(parent)


def _ancestors(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> Iterator[ast.AST]:
    while (node := parents.get(node)) is not None:  # type: ignore[assignment]
        yield node


@cache
def french_texts() -> tuple[tuple[str, str, bool], ...]:
    """``(where, text, title)`` for every French string of ``app/`` (placeholders as ``{}``);
    ``title``: a problem type's title (« Fichier trop volumineux »), whose details state limits."""
    found = []
    for path in sorted(APP.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {c: p for p in ast.walk(tree) for c in ast.iter_child_nodes(p)}
        for node in ast.walk(tree):
            text = _template(node)
            if (
                text is None or " " not in text.strip() or isinstance(parents.get(node), ast.JoinedStr | ast.Expr)
            ):  # docstrings
                continue
            places = list(_place_names(node, parents))
            if not _said_in_french(text, any(_named_french(n) for n in places)):
                continue
            found.append((f"{path.relative_to(APP.parent)}:{node.lineno}", text, "title_fr" in places))
    return tuple(found)


_NOT_SAID = (
    "app/imports/plausible.py",  # character classes of the register's letters, not sentences
    "app/imports/cells.py:52",  # a pattern of French year prefixes
    "app/notifications/templates.py",  # str.format templates, their {placeholders} filled in
)


def _said(text: str) -> str:
    """``text`` without its placeholders (``{}``, ``{name}``) nor code samples in ``<code>``."""
    return re.sub(r"\{[^{}]*\}|<code>.*?</code>", " ", text)


@cache
def api_names() -> frozenset[str]:
    """The names the API gives its fields and query parameters (from its OpenAPI document) that are
    not also French words a sentence may use."""
    document = create_app(Settings(secret_key="x" * 64, database_url="sqlite+aiosqlite:///unused.db")).openapi()
    names: set[str] = set()
    for operations in document["paths"].values():
        for operation in operations.values():
            names |= {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    for schema in document["components"]["schemas"].values():
        names |= set(schema.get("properties", {}))
    return frozenset(names - _FRENCH_TOO)


_FRENCH_TOO = frozenset(
    {
        *"en action justification date code notes note type format position nom statut".split(),  # noqa: SIM905
        *"page source document documents message fin limite motif ville langues sexe total".split(),  # noqa: SIM905
        *"observations sens region version description file signature".split(),  # noqa: SIM905
    }
)

_SNAKE = re.compile(r"(?<![\w.\-/])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?![\w\-/])")
_STATUS = re.compile(r"(?<![\w.\-/,+])[1-5]\d\d(?![\w\-,])")
_HTTP = re.compile(r"If-Match|If-None-Match|\bETag\b|_etag|Idempotency-Key|Content-Type|=true|=false|`\w+`")
_TOO_MUCH = re.compile(r"\btrop (longs?|longues?|volumineu(x|se)|grande?s?|lourde?s?|de |d')", re.IGNORECASE)
_LIMIT = re.compile(r"\{|\d")


def faults(text: str, title: bool = False) -> list[str]:
    """What in the French ``text`` (a problem type's ``title`` or not) a desk agent cannot act on."""
    said = _said(text)
    found = [f"identifier {m}" for m in _SNAKE.findall(said)]
    found += [f"status code {m}" for m in _STATUS.findall(said)]
    found += [f"HTTP word {m}" for m in _HTTP.findall(said)]
    words = set(re.findall(r"(?<![\w'’\-./])[a-z]+(?![\w'’\-./])", said))
    found += [f"API name {w}" for w in sorted(words & api_names())]
    if _TOO_MUCH.search(said) and not _LIMIT.search(text) and not title:
        found.append("too much, without the limit")
    if re.search(r"(dépasse|de|fait|compte|en) (\{[^{}]*\}|\d+) octets", text):
        found.append("a size in bytes, not in ko or Mo")
    return found


# The API's members a French text may still name: the generic detail of a validation problem
# sends the reader to its list of field errors (the web client shows that list, never this text).
_ALLOWED = {"HTTP word `errors`", "HTTP word `reasons`", "API name errors", "API name reasons"}


def test_the_inventory_reads_the_api_texts() -> None:
    texts = {where: text for where, text, _ in french_texts()}
    assert len(texts) > 400
    assert any(t == "Le fichier est vide." for t in texts.values())
    assert {"days", "named", "purpose", "delimiter"} <= api_names()


@pytest.mark.parametrize(
    ("text", "fault"),
    [
        ("days doit être compris entre 1 et {}.", "API name days"),
        ("Envoyez {}_etag : la version du dossier que vous avez lue.", "HTTP word _etag"),
        ("Précisez desk_code pour ce guichet.", "identifier desk_code"),
        ("Le service a répondu 409 pour ce dossier.", "status code 409"),
        ("Envoyez If-Match avec la version lue.", "HTTP word If-Match"),
        ("La valeur est trop longue pour ce champ.", "too much, without the limit"),
        ("Le fichier dépasse {} octets.", "a size in bytes, not in ko or Mo"),
        ("Le registre dépasse une limite (IMPORT_MAX_BYTES).", "identifier IMPORT_MAX_BYTES"),
    ],
)
def test_the_guard_sees_each_kind_of_fault(text: str, fault: str) -> None:
    assert fault in faults(text)


def test_the_guard_lets_plain_french_pass() -> None:
    assert faults("La note est trop longue : {} caractères au plus.") == []


def test_no_french_text_speaks_the_api_language() -> None:
    offenders = []
    for where, text, title in french_texts():
        if where.startswith(_NOT_SAID):
            continue
        found = [f for f in faults(text, title) if f not in _ALLOWED]
        if found:
            offenders.append(f"{where}: {found} {text[:90]!r}")
    assert offenders == [], "\n".join(offenders)


STATIC = APP / "web" / "static"

# Said only when the API gave no reason of its own for a field (it states the limit in `reason`,
# which the client shows instead: app/core/reasons.py), or no `max_bytes` for a refused file.
_FALLBACKS = {"field_too_long", "field_too_short", "field_small", "field_large", "doc_too_large"}
# An example of the codes an administrator types in that very field.
_CODES_TYPED = {"service_documents_other"}


def client_texts() -> list[tuple[str, str]]:
    """``(key, text)`` of every French word of the web client's tables (``i18n*.js``)."""
    found = []
    for path in sorted(STATIC.glob("i18n*.js")):
        for block in re.finditer(r"\bfr: \{(.*?)\n  \}", path.read_text(encoding="utf-8"), re.S):
            found += [
                (f"{path.name}:{k}", v)
                for k, v in re.findall(r"\b([a-z][a-z_0-9]*):\s*\"((?:[^\"\\]|\\.)*)\"", block.group(1))
            ]
    return found


def test_no_french_word_of_the_web_client_speaks_the_api_language() -> None:
    texts = client_texts()
    assert len(texts) > 500
    offenders = [
        f"{key}: {found} {text[:90]!r}"
        for key, text in texts
        if key.split(":")[1] not in _FALLBACKS | _CODES_TYPED and (found := faults(text))
    ]
    assert offenders == [], "\n".join(offenders)
