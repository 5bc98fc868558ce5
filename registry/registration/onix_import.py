"""ONIX 3.0 (and CNONIX, its Chinese profile) as a catalogue manifest.

Each ``<Product>`` becomes one manifest row: title, contributors with their roles (ONIX list
17), ISBN-13 (check digit checked), language, publisher, place and date of publication, edition,
subject and collection (series). The file of a product is the one whose name, without its
suffix, is the product's ISBN-13 or its RecordReference. A product that cannot be mapped whole
becomes a refused row naming why — ``onix_unknown_code`` (a code-list value banquan does not
know), ``invalid_isbn``, ``no_matching_file``, ``duplicate_record``, ``onix_incomplete`` — so
nothing is half-registered.

The XML is parsed by lxml without entity resolution, network access or a DTD; a document that
declares a DOCTYPE is refused whole (what defusedxml refuses too).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from registry.core.errors import InvalidIsbn, InvalidManifest
from registry.core.isbn import normalize_isbn
from registry.core.metadata_codes import AUTHOR_ROLE, CONTRIBUTOR_ROLES

ONIX_NAMESPACE = "http://ns.editeur.org/onix/3.0/reference"
# ISO 639-2/B → the ISO 639-1 code banquan's metadata usually carries.
LANGUAGES_639_1 = {
    "chi": "zh", "zho": "zh", "eng": "en", "jpn": "ja", "kor": "ko", "fre": "fr", "ger": "de",
    "rus": "ru", "spa": "es", "ita": "it", "por": "pt", "ara": "ar", "tib": "bo", "mon": "mn",
    "uig": "ug",
}  # fmt: skip
MAX_ONIX_BYTES = 50 << 20


@dataclass(frozen=True)
class OnixRecord:
    """One product: its position, reference, the fields mapped, the file matched, and, when it
    is refused, the code and message saying why."""

    line: int  # the product's line in the XML
    reference: str
    file: str
    fields: dict[str, object]
    refusal: tuple[str, str] | None = None
    notes: tuple[str, ...] = field(default=())


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def parse_onix(text: str, *, files: Sequence[str] = ()) -> list[OnixRecord]:
    """The records of an ONIX 3.0 message (reference names, with or without the namespace).
    Raises :class:`InvalidManifest` for a document that is not such a message."""
    data = text.encode("utf-8")
    if len(data) > MAX_ONIX_BYTES:
        raise InvalidManifest("ONIX 文件过大 / the ONIX file is too large")
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
        remove_comments=True, remove_pis=True, huge_tree=False, encoding="utf-8",
    )  # fmt: skip
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidManifest(
            f"不是格式正确的 XML / not well-formed XML: {exc}", details={"line": exc.lineno}
        ) from exc
    doctype = root.getroottree().docinfo.doctype
    if doctype:
        raise InvalidManifest("不接受 DOCTYPE 声明 / a DOCTYPE is not accepted")
    if _local(root) != "ONIXMessage":
        raise InvalidManifest(
            "不是 ONIX 3.0 消息（参考标签名）/ not an ONIX 3.0 message with reference tags",
            details={"root": _local(root)},
        )
    if root.get("release", "3.0").split(".")[0] != "3":
        raise InvalidManifest(
            "只支持 ONIX 3.0 / only ONIX 3.0 is read", details={"release": root.get("release")}
        )
    by_stem: dict[str, str] = {}
    for name in sorted(files):
        base = PurePosixPath(name.replace("\\", "/")).name
        by_stem.setdefault(base.rsplit(".", 1)[0].casefold(), base)
    records: list[OnixRecord] = []
    seen: dict[str, int] = {}
    used_files: set[str] = set()
    for number, product in enumerate(_children(root, "Product"), start=1):
        line = product.sourceline or 0
        reference = _text(product, "RecordReference") or f"product-{number}"
        placeholder = f"#{number} {reference}"  # a name no upload can carry
        try:
            fields, notes = _map(product)
            isbn = fields.get("isbn")
            for key in (reference, isbn):
                if isinstance(key, str) and key in seen:
                    raise _Refused(
                        "duplicate_record",
                        f"重复记录：与第 {seen[key]} 个产品相同 / duplicate record: same "
                        f"RecordReference or ISBN as product {seen[key]}",
                    )
            seen[reference] = number
            if isinstance(isbn, str):
                seen[isbn] = number
            file = _file_for(by_stem, reference, isbn)
            if file is None or file in used_files:
                raise _Refused(
                    "no_matching_file",
                    f"没有名为 ISBN 或 RecordReference 的文件 / no file named after its ISBN "
                    f"({isbn or '—'}) or RecordReference ({reference})",
                )
            used_files.add(file)
            records.append(OnixRecord(line, reference, file, fields, None, notes))
        except _Refused as refused:
            title = _title(product) or reference
            records.append(
                OnixRecord(
                    line, reference, placeholder, {"title": title}, (refused.code, refused.message)
                )
            )
    if not records:
        raise InvalidManifest("ONIX 消息中没有产品 / the ONIX message has no Product")
    return records


def _map(product: etree._Element) -> tuple[dict[str, object], tuple[str, ...]]:
    notes: list[str] = []
    if _text(product, "NotificationType") == "05":
        raise _Refused("onix_deletion", "删除通知，不登记 / a deletion notice: not registered")
    fields: dict[str, object] = {}
    title = _title(product)
    if not title:
        raise _Refused("onix_incomplete", "没有书名 / no TitleText")
    fields["title"] = title
    isbn = _isbn(product)
    if isbn is not None:
        fields["isbn"] = isbn
    detail = _child(product, "DescriptiveDetail")
    if detail is not None:
        authors, contributors = _contributors(detail)
        if authors:
            fields["authors"] = authors
        if contributors:
            fields["contributors"] = contributors
        for collection in _children(detail, "Collection"):
            for element in collection.iter(_tag("TitleElement"), "TitleElement"):
                text = _text(element, "TitleText")
                if text:
                    fields.setdefault("series", text)
                    part = _text(element, "PartNumber")
                    if part:
                        fields.setdefault("series_number", part)
        language = _language(detail)
        if language is not None:
            fields["language"] = language
        edition = _text(detail, "EditionStatement")
        number = _text(detail, "EditionNumber")
        if edition or number:
            fields["edition"] = edition or f"第{number}版"
        for subject in _children(detail, "Subject"):
            heading = _text(subject, "SubjectHeadingText")
            if heading:
                fields["subject"] = heading
                break
    publishing = _child(product, "PublishingDetail")
    if publishing is not None:
        for publisher in _children(publishing, "Publisher"):
            name = _text(publisher, "PublisherName")
            if name and _text(publisher, "PublishingRole") in (None, "01"):
                fields["publisher"] = name
                break
        city = _text(publishing, "CityOfPublication")
        if city:
            fields["first_published_place"] = city
        for date in _children(publishing, "PublishingDate"):
            if _text(date, "PublishingDateRole") not in ("01", "11"):
                continue
            value = _child(date, "Date")
            raw = (value.text or "").strip() if value is not None else ""
            date_format = (value.get("dateformat") if value is not None else None) or "00"
            if date_format == "00" and len(raw) == 8 and raw.isdigit():
                fields["first_published_on"] = f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"
            else:
                notes.append(f"publishing date {raw!r} is not a full date: not mapped")
            break
    return fields, tuple(notes)


def _title(product: etree._Element) -> str | None:
    detail = _child(product, "DescriptiveDetail")
    if detail is None:
        return None
    for title in _children(detail, "TitleDetail"):
        if _text(title, "TitleType") not in (None, "01"):
            continue
        for element in _children(title, "TitleElement"):
            if _text(element, "TitleElementLevel") not in (None, "01"):
                continue
            text = _text(element, "TitleText")
            if not text:
                prefix = _text(element, "TitlePrefix")
                rest = _text(element, "TitleWithoutPrefix")
                text = " ".join(t for t in (prefix, rest) if t) or None
            subtitle = _text(element, "Subtitle")
            if text and subtitle:
                text = f"{text}：{subtitle}"
            if text:
                return text
    return None


def _isbn(product: etree._Element) -> str | None:
    for identifier in _children(product, "ProductIdentifier"):
        kind, value = _text(identifier, "ProductIDType"), _text(identifier, "IDValue")
        if value and (kind == "15" or (kind == "03" and value.startswith(("978", "979")))):
            try:
                return normalize_isbn(value)
            except InvalidIsbn as exc:
                raise _Refused("invalid_isbn", f"ISBN 校验位错误 / {exc.message}") from exc
    return None


def _contributors(detail: etree._Element) -> tuple[list[str], list[dict[str, str]]]:
    authors: list[str] = []
    others: list[dict[str, str]] = []
    for contributor in _children(detail, "Contributor"):
        roles = [r.text.strip() for r in _children(contributor, "ContributorRole") if r.text]
        unknown = [r for r in roles if r not in CONTRIBUTOR_ROLES]
        if unknown or not roles:
            raise _Refused(
                "onix_unknown_code",
                f"未知的贡献者角色（代码表 17）/ unknown ContributorRole (list 17): "
                f"{', '.join(unknown) or '(none)'}",
            )
        name = _person_name(contributor)
        if name is None:
            continue  # UnnamedPersons: nobody to name
        for role in roles:
            if role == AUTHOR_ROLE:
                authors.append(name)
            else:
                others.append({"name": name, "role": role})
    return authors, others


def _person_name(contributor: etree._Element) -> str | None:
    name = _text(contributor, "PersonName") or _text(contributor, "CorporateName")
    if name:
        return name
    key, before = _text(contributor, "KeyNames"), _text(contributor, "NamesBeforeKey")
    if key and before:
        # 刘 + 慈欣 → 刘慈欣; Liu + Ken → Ken Liu
        return f"{key}{before}" if _is_cjk(key + before) else f"{before} {key}"
    return key or _text(contributor, "PersonNameInverted")


def _language(detail: etree._Element) -> str | None:
    for language in _children(detail, "Language"):
        if _text(language, "LanguageRole") not in (None, "01"):
            continue
        code = (_text(language, "LanguageCode") or "").lower()
        if len(code) != 3 or not code.isascii() or not code.isalpha():
            raise _Refused(
                "onix_unknown_code",
                f"未知的语种代码（代码表 74）/ unknown LanguageCode (list 74): {code!r}",
            )
        return LANGUAGES_639_1.get(code, code)
    return None


def _file_for(by_stem: dict[str, str], reference: str, isbn: object) -> str | None:
    for key in (isbn, reference):
        if isinstance(key, str) and key.casefold() in by_stem:
            return by_stem[key.casefold()]
    return None


def _is_cjk(text: str) -> bool:
    return any("\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff" for c in text)


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _tag(name: str) -> str:
    return f"{{{ONIX_NAMESPACE}}}{name}"


def _children(parent: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str) and _local(c) == name]


def _child(parent: etree._Element, name: str) -> etree._Element | None:
    found = _children(parent, name)
    return found[0] if found else None


def _text(parent: etree._Element, name: str) -> str | None:
    child = _child(parent, name)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None
