"""A registration's metadata for catalogues: schema.org JSON-LD and an ONIX 3.0 record.

:func:`export_work` is the one service both faces call (``GET /v1/works/{number}/metadata.jsonld``
and ``/onix.xml``, ``banquan export``). The ONIX message is built as an lxml tree and
serialized by lxml: text is escaped by the serializer, never pasted into markup.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session, sessionmaker

from registry.core.metadata import WorkMetadata
from registry.core.metadata_codes import AUTHOR_ROLE, WORK_TYPES
from registry.core.views import RegistrationView, refuse_if_taken_down, refuse_unless_accepted
from registry.proofs.verification import get_registration

ONIX_NAMESPACE = "http://ns.editeur.org/onix/3.0/reference"

# ISO 639-1 (what metadata.language usually holds) → ISO 639-2/B (what ONIX List 74 takes).
ONIX_LANGUAGES = {
    "zh": "chi", "en": "eng", "ja": "jpn", "ko": "kor", "fr": "fre", "de": "ger", "ru": "rus",
    "es": "spa", "it": "ita", "pt": "por", "ar": "ara", "bo": "tib", "mn": "mon", "ug": "uig",
}  # fmt: skip

# schema.org properties of the contributor roles it names; the others are "contributor".
_SCHEMA_ROLES = {"B06": "translator", "A12": "illustrator", "B01": "editor", "B11": "editor"}


class ExportFormat(StrEnum):
    JSONLD = "jsonld"
    ONIX = "onix"


@dataclass(frozen=True)
class Exported:
    body: bytes
    media_type: str
    filename: str


def export_work(
    sessions: sessionmaker[Session], number: str, export_format: ExportFormat
) -> Exported:
    """Registration ``number``'s metadata in ``export_format``.

    Raises :class:`RegistrationNotFound`, :class:`TakenDown` while a takedown is in force, and,
    like the certificate and the proof, :class:`RegistrationHeld` / :class:`RegistrationRefused`
    for a registration moderation holds or rejected: an export names its copyright holder and
    the registration (ONIX as a confirmed record), which the registry vouches for only once
    moderation let it through.
    """
    view = get_registration(sessions, number)
    refuse_if_taken_down(view.number, view.takedown)
    refuse_unless_accepted(view)
    if export_format is ExportFormat.ONIX:
        return Exported(onix_message(view), "application/xml", f"{number}.onix.xml")
    body = json.dumps(json_ld(view), ensure_ascii=False, indent=2).encode()
    return Exported(body, "application/ld+json", f"{number}.jsonld")


def language_code(language: str | None) -> str | None:
    """The ISO 639-2/B code ONIX takes for ``language`` (``zh``, ``zh-CN``, ``chi``…)."""
    if language is None:
        return None
    primary = language.strip().lower().split("-")[0].split("_")[0]
    if len(primary) == 3 and primary.isalpha():
        return primary
    return ONIX_LANGUAGES.get(primary)


def json_ld(view: RegistrationView) -> dict[str, Any]:
    """A schema.org ``Book`` (with an ISBN or as a written work) or ``CreativeWork``."""
    metadata = WorkMetadata.from_mapping(view.metadata)
    is_book = metadata.isbn is not None or metadata.work_type in (None, "written")
    document: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Book" if is_book else "CreativeWork",
        "name": metadata.title,
        "author": [{"@type": "Person", "name": name} for name in metadata.authors],
    }
    for contributor in metadata.contributors:
        key = _SCHEMA_ROLES.get(contributor.role, "contributor")
        document.setdefault(key, []).append({"@type": "Person", "name": contributor.name})
    if metadata.owners:
        kind = "Organization" if metadata.holding == "legal_person" else "Person"
        document["copyrightHolder"] = [{"@type": kind, "name": o.name} for o in metadata.owners]
    optional = {
        "isbn": metadata.isbn,
        "issn": metadata.issn,
        "inLanguage": metadata.language,
        "datePublished": metadata.first_published_on,
        "dateCreated": metadata.created_on,
        "bookEdition" if is_book else "version": metadata.edition,
        "about": metadata.subject,
        "genre": WORK_TYPES[metadata.work_type].zh if metadata.work_type else None,
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    if metadata.publisher is not None:
        document["publisher"] = {"@type": "Organization", "name": metadata.publisher}
    if metadata.series is not None:
        document["isPartOf"] = {"@type": "BookSeries" if is_book else "CreativeWorkSeries",
                                "name": metadata.series}  # fmt: skip
        if metadata.series_number is not None:
            document["position"] = metadata.series_number
    identifiers = [
        ("banquan:registration", view.number),
        ("sha256", view.sha256),
        ("sm3", view.sm3),
        ("cid", view.cid),
        ("DCI", metadata.dci),
        ("ISRC", metadata.isrc),
    ]
    document["identifier"] = [
        {"@type": "PropertyValue", "propertyID": name, "value": value}
        for name, value in identifiers
        if value is not None
    ]
    # The owners, the publisher and the rest are the registrant's own declaration: the export
    # names who made it (its party, as the registration's page does), whoever it names.
    registrant = {"@type": "PropertyValue", "propertyID": "banquan:registrant"}
    if view.party is not None:
        registrant.update(value=view.party.party_id, name=view.party.public_name)
    elif view.registrant is not None:
        registrant["value"] = view.registrant
    if "value" in registrant:
        document["identifier"].append(registrant)
    document["dateModified"] = view.registered_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return document


def onix_message(view: RegistrationView, *, sent: datetime | None = None) -> bytes:
    """An ONIX 3.0 (reference names) message holding this registration's ``<Product>``."""
    message = etree.Element(f"{{{ONIX_NAMESPACE}}}ONIXMessage", nsmap={None: ONIX_NAMESPACE})
    message.set("release", "3.0")
    header = _sub(message, "Header")
    sender = _sub(header, "Sender")
    _sub(sender, "SenderName", "banquan")
    moment = (sent or datetime.now(UTC)).astimezone(UTC)
    _sub(header, "SentDateTime", moment.strftime("%Y%m%dT%H%M%SZ"))
    message.append(onix_product(view))
    return bytes(etree.tostring(message, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def onix_product(view: RegistrationView) -> etree._Element:
    """The ``<Product>`` of a registration: its number is the RecordReference."""
    metadata = WorkMetadata.from_mapping(view.metadata)
    product = etree.Element(f"{{{ONIX_NAMESPACE}}}Product", nsmap={None: ONIX_NAMESPACE})
    _sub(product, "RecordReference", view.number)
    _sub(product, "NotificationType", "03")  # confirmed on publication
    # The record's source is the registrant: what the record says of owners and publisher is
    # its declaration, whoever it names.
    if view.party is not None:
        source = _sub(product, "RecordSourceIdentifier")
        _sub(source, "RecordSourceIDType", "01")  # proprietary
        _sub(source, "IDTypeName", "banquan party")
        _sub(source, "IDValue", view.party.party_id)
        _sub(product, "RecordSourceName", view.party.public_name)
    elif view.registrant is not None:
        _sub(product, "RecordSourceName", view.registrant)
    if metadata.isbn is not None:
        _identifier(product, "15", metadata.isbn)  # ISBN-13
    _identifier(product, "01", view.number, type_name="banquan registration")
    if metadata.dci is not None:
        _identifier(product, "01", metadata.dci, type_name="DCI")
    detail = _sub(product, "DescriptiveDetail")
    _sub(detail, "ProductComposition", "00")  # single-component retail product
    _sub(detail, "ProductForm", "EA")  # digital, delivered electronically
    if metadata.series is not None:
        collection = _sub(detail, "Collection")
        _sub(collection, "CollectionType", "10")  # publisher collection
        title = _sub(collection, "TitleDetail")
        _sub(title, "TitleType", "01")
        element = _sub(title, "TitleElement")
        _sub(element, "TitleElementLevel", "02")  # collection level
        if metadata.series_number is not None:
            _sub(element, "PartNumber", metadata.series_number)
        _sub(element, "TitleText", metadata.series)
    title = _sub(detail, "TitleDetail")
    _sub(title, "TitleType", "01")  # distinctive title
    element = _sub(title, "TitleElement")
    _sub(element, "TitleElementLevel", "01")  # product level
    _sub(element, "TitleText", metadata.title)
    people = [(name, AUTHOR_ROLE) for name in metadata.authors] + [
        (c.name, c.role) for c in metadata.contributors
    ]
    for sequence, (name, role) in enumerate(people, start=1):
        contributor = _sub(detail, "Contributor")
        _sub(contributor, "SequenceNumber", str(sequence))
        _sub(contributor, "ContributorRole", role)
        _sub(contributor, "PersonName", name)
    if metadata.edition is not None:
        _sub(detail, "EditionStatement", metadata.edition)
    code = language_code(metadata.language)
    if code is not None:
        language = _sub(detail, "Language")
        _sub(language, "LanguageRole", "01")  # language of text
        _sub(language, "LanguageCode", code)
    if metadata.subject is not None:
        subject = _sub(detail, "Subject")
        _sub(subject, "SubjectSchemeIdentifier", "20")  # keywords
        _sub(subject, "SubjectHeadingText", metadata.subject)
    publishing = _sub(product, "PublishingDetail")
    if metadata.publisher is not None:
        publisher = _sub(publishing, "Publisher")
        _sub(publisher, "PublishingRole", "01")
        _sub(publisher, "PublisherName", metadata.publisher)
    if metadata.first_published_place is not None:
        _sub(publishing, "CityOfPublication", metadata.first_published_place)
    if metadata.first_published_on is not None:
        date = _sub(publishing, "PublishingDate")
        _sub(date, "PublishingDateRole", "01")  # publication date
        _sub(date, "Date", metadata.first_published_on.replace("-", "")).set("dateformat", "00")
    year = (metadata.first_published_on or metadata.created_on or "")[:4]
    if metadata.owners and year:
        statement = _sub(publishing, "CopyrightStatement")
        _sub(statement, "CopyrightYear", year)
        tag = "CorporateName" if metadata.holding == "legal_person" else "PersonName"
        for owner in metadata.owners:
            _sub(_sub(statement, "CopyrightOwner"), tag, owner.name)
    return product


def _identifier(product: etree._Element, kind: str, value: str, *, type_name: str = "") -> None:
    identifier = _sub(product, "ProductIdentifier")
    _sub(identifier, "ProductIDType", kind)
    if type_name:
        _sub(identifier, "IDTypeName", type_name)
    _sub(identifier, "IDValue", value)


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, f"{{{ONIX_NAMESPACE}}}{tag}")
    if text is not None:
        child.text = text
    return child
