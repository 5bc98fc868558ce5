"""What a registrant says about a work, validated.

Two versions of the metadata document, both digested the same way (SHA-256 of its RFC 8785
bytes, :func:`crypto.claims.metadata_digest`):

* version 1 — ``title``, ``authors``, ``isbn``, ``language``, ``rights`` and nothing else, with
  no version member: what every registration before the 作品登记 fields carried. Metadata that
  uses none of the newer fields is still written this way, byte for byte, so its digest (and
  every claim signing it) is unchanged;
* version 2 — ``"v": "banquan.metadata/2"`` and any of the 作品登记 fields (work type, owners
  and shares, acquisition, holding, dates, ISSN/ISRC/DCI, series, publisher, edition, subject,
  contributors). The version member is inside the digested bytes, so a digest names its version.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from registry.core.errors import InvalidIsbn, InvalidMetadata
from registry.core.isbn import normalize_isbn
from registry.core.metadata_codes import ACQUISITION, CONTRIBUTOR_ROLES, HOLDING, WORK_TYPES
from registry.core.rights import ALL_RIGHT_NAMES, parse_rights

MAX_TITLE_LENGTH = 500
MAX_AUTHORS = 100
MAX_AUTHOR_LENGTH = 500
MAX_LANGUAGE_LENGTH = 64
MAX_OWNERS = 100
MAX_CONTRIBUTORS = 100
MAX_TEXT_LENGTH = 500
MAX_SHORT_TEXT_LENGTH = 100
MAX_DCI_LENGTH = 64

METADATA_VERSION_1 = "banquan.metadata/1"
METADATA_VERSION_2 = "banquan.metadata/2"

V1_FIELDS = frozenset({"title", "authors", "isbn", "language", "rights"})
# The 作品登记 fields: any of them makes the document version 2.
V2_FIELDS = (
    "work_type", "owners", "acquisition", "holding", "created_on", "first_published_on",
    "first_published_place", "issn", "isrc", "dci", "series", "series_number", "publisher",
    "edition", "subject", "contributors",
)  # fmt: skip
KNOWN_FIELDS = V1_FIELDS | set(V2_FIELDS) | {"v"}

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISRC = re.compile(r"[A-Z]{2}[A-Z0-9]{3}\d{7}")
_DCI = re.compile(r"[A-Z0-9][A-Z0-9:.\-]{5,63}")
_SHARE = re.compile(r"\d{1,3}(\.\d{1,2})?")


@dataclass(frozen=True)
class Owner:
    """A copyright owner (著作权人) and, when the owners say, its share in per cent."""

    name: str
    share: str | None = None  # a decimal, at most two places: "50", "33.33"

    def to_json(self) -> dict[str, object]:
        value: dict[str, object] = {"name": self.name}
        if self.share is not None:
            value["share"] = self.share
        return value


@dataclass(frozen=True)
class Contributor:
    """A contributor other than an author, with its ONIX role (code list 17): B06 translator…"""

    name: str
    role: str

    def to_json(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role}


@dataclass(frozen=True)
class WorkMetadata:
    """Descriptive metadata of a work; ``title`` is required.

    Text is kept in Unicode normalisation form NFC: a title typed with combining marks (NFD)
    and the same title precomposed are one title, with one metadata digest.
    """

    title: str
    authors: tuple[str, ...] = ()
    isbn: str | None = None
    language: str | None = None
    rights: tuple[str, ...] = ALL_RIGHT_NAMES
    # 作品登记 fields (version 2)
    work_type: str | None = None
    owners: tuple[Owner, ...] = ()
    acquisition: str | None = None
    holding: str | None = None
    created_on: str | None = None
    first_published_on: str | None = None
    first_published_place: str | None = None
    issn: str | None = None
    isrc: str | None = None
    dci: str | None = None
    series: str | None = None
    series_number: str | None = None
    publisher: str | None = None
    edition: str | None = None
    subject: str | None = None
    contributors: tuple[Contributor, ...] = ()

    @property
    def version(self) -> str:
        """``banquan.metadata/2`` when any 作品登记 field is set, else ``banquan.metadata/1``."""
        if any(getattr(self, name) not in (None, ()) for name in V2_FIELDS):
            return METADATA_VERSION_2
        return METADATA_VERSION_1

    @classmethod
    def from_mapping(cls, raw: object) -> WorkMetadata:
        """Validate metadata as received (a JSON object); raise :class:`InvalidMetadata`."""
        if not isinstance(raw, Mapping):
            raise InvalidMetadata("metadata must be a JSON object")
        unknown = set(raw) - KNOWN_FIELDS
        if unknown:
            raise InvalidMetadata(
                "unknown metadata fields", details={"fields": sorted(map(str, unknown))}
            )
        title = raw.get("title")
        if not isinstance(title, str) or not title.strip():
            raise InvalidMetadata("metadata.title is required", details={"field": "title"})
        title = _text(title, "title", MAX_TITLE_LENGTH)
        authors = raw.get("authors", [])
        if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
            raise InvalidMetadata(
                "metadata.authors must be a list of strings", details={"field": "authors"}
            )
        if len(authors) > MAX_AUTHORS:
            raise InvalidMetadata(
                f"metadata.authors has more than {MAX_AUTHORS} names", details={"field": "authors"}
            )
        language = _optional_string(raw, "language")
        metadata = cls(
            title=title.strip(),
            authors=tuple(_text(a, "authors", MAX_AUTHOR_LENGTH) for a in authors),
            isbn=_isbn(raw),
            language=None if language is None else _text(language, "language", MAX_LANGUAGE_LENGTH),
            rights=_rights(raw),
            work_type=_code(raw, "work_type", WORK_TYPES),
            owners=_owners(raw),
            acquisition=_code(raw, "acquisition", ACQUISITION),
            holding=_code(raw, "holding", HOLDING),
            created_on=_date(raw, "created_on"),
            first_published_on=_date(raw, "first_published_on"),
            first_published_place=_optional_text(raw, "first_published_place", MAX_TEXT_LENGTH),
            issn=_issn(raw),
            isrc=_isrc(raw),
            dci=_dci(raw),
            series=_optional_text(raw, "series", MAX_TITLE_LENGTH),
            series_number=_optional_text(raw, "series_number", MAX_SHORT_TEXT_LENGTH),
            publisher=_optional_text(raw, "publisher", MAX_TEXT_LENGTH),
            edition=_optional_text(raw, "edition", MAX_SHORT_TEXT_LENGTH),
            subject=_optional_text(raw, "subject", MAX_TEXT_LENGTH),
            contributors=_contributors(raw),
        )
        metadata._check_together(raw.get("v"))
        return metadata

    def to_json(self) -> dict[str, object]:
        """The metadata document: version 1 (no ``v``) exactly as before when no 作品登记 field
        is set, else version 2 with ``"v": "banquan.metadata/2"``."""
        value: dict[str, object] = {"title": self.title, "authors": list(self.authors)}
        if self.isbn is not None:
            value["isbn"] = self.isbn
        if self.language is not None:
            value["language"] = self.language
        value["rights"] = list(self.rights)
        if self.version == METADATA_VERSION_1:
            return value
        value["v"] = METADATA_VERSION_2
        for name in V2_FIELDS:
            field_value = getattr(self, name)
            if field_value in (None, ()):
                continue
            if isinstance(field_value, tuple):
                value[name] = [item.to_json() for item in field_value]
            else:
                value[name] = field_value
        return value

    def _check_together(self, version: object) -> None:
        """What no single field shows: the version named, dates in order, owners and holding."""
        if version is not None and version not in (METADATA_VERSION_1, METADATA_VERSION_2):
            raise _invalid("v", "元数据版本未知", f"unknown metadata version {version!r}")
        if version is not None and version != self.version:
            raise _invalid(
                "v",
                f"元数据版本应为 {self.version}",
                f"this metadata is {self.version}, not {version}",
            )
        if (
            self.created_on is not None
            and self.first_published_on is not None
            and self.first_published_on < self.created_on
        ):
            raise _invalid(
                "first_published_on",
                "首次发表日期早于创作完成日期",
                "first_published_on is before created_on",
            )
        if self.holding == "joint" and len(self.owners or self.authors) < 2:
            raise _invalid(
                "holding",
                "合作作品至少有两位著作权人或作者",
                "a joint work has at least two owners or authors",
            )
        if self.holding == "individual" and len(self.owners) > 1:
            raise _invalid(
                "holding", "个人作品只有一位著作权人", "an individual work has one owner"
            )


def _invalid(field: str, zh: str, en: str, **details: object) -> InvalidMetadata:
    return InvalidMetadata(f"metadata.{field}: {zh} / {en}", details={"field": field, **details})


def _optional_text(raw: Mapping[str, object], field: str, max_length: int) -> str | None:
    value = _optional_string(raw, field)
    if value is None:
        return None
    value = _text(value, field, max_length).strip()
    if not value:
        raise _invalid(field, "不能为空", "must not be empty")
    return value


def _code(raw: Mapping[str, object], field: str, table: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, field)
    if value is None:
        return None
    if value not in table:
        raise _invalid(
            field, f"未知代码 {value!r}", f"unknown code {value!r}", allowed=sorted(table)
        )
    return value


def _date(raw: Mapping[str, object], field: str) -> str | None:
    value = _optional_string(raw, field)
    if value is None:
        return None
    try:
        if not _DATE.fullmatch(value):
            raise ValueError(value)
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _invalid(field, "日期应为 YYYY-MM-DD", "a date is YYYY-MM-DD", value=value) from None
    # A day ahead of UTC: it is already tomorrow in Beijing for eight hours of every day.
    if parsed > (datetime.now(UTC) + timedelta(days=1)).date():
        raise _invalid(field, "日期不能晚于今天", "the date is in the future", value=value)
    return value


def _issn(raw: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, "issn")
    if value is None:
        return None
    compact = value.replace("-", "").replace(" ", "").upper()
    if (
        len(compact) != 8
        or not compact[:7].isdigit()
        or not (compact[7].isdigit() or compact[7] == "X")
    ):
        raise _invalid("issn", "不是 ISSN", "not an ISSN", value=value)
    total = sum((8 - i) * int(c) for i, c in enumerate(compact[:7]))
    check = (11 - total % 11) % 11
    if compact[7] != ("X" if check == 10 else str(check)):
        raise _invalid("issn", "ISSN 校验位错误", "the ISSN check digit is wrong", value=value)
    return f"{compact[:4]}-{compact[4:]}"


def _isrc(raw: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, "isrc")
    if value is None:
        return None
    compact = value.replace("-", "").replace(" ", "").upper()
    if not _ISRC.fullmatch(compact):
        raise _invalid(
            "isrc", "不是 ISRC（如 CN-A01-24-00001）", "not an ISRC (e.g. CN-A01-24-00001)",
            value=value,
        )  # fmt: skip
    return compact


def _dci(raw: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, "dci")
    if value is None:
        return None
    compact = value.strip().upper()
    if not _DCI.fullmatch(compact):
        raise _invalid(
            "dci",
            "不是 DCI 码（6 到 64 位字母、数字、“:”“-”“.”）",
            "not a DCI code (6 to 64 letters, digits, ':', '-', '.')",
            value=value,
        )
    return compact


def _owners(raw: Mapping[str, object]) -> tuple[Owner, ...]:
    value = _optional_list(
        raw,
        "owners",
        range(1, MAX_OWNERS + 1),
        f"著作权人应为 1 到 {MAX_OWNERS} 项的列表",
        f"owners is a list of 1 to {MAX_OWNERS} items",
    )
    if value is None:
        return ()
    owners: list[Owner] = []
    for item in value:
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or not set(item) <= {"name", "share"}:
            raise _invalid(
                "owners",
                "每位著作权人为 {name, share}",
                "each owner is {name, share}",
            )
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _invalid("owners", "著作权人须有名称", "an owner needs a name")
        owners.append(
            Owner(_text(name, "owners", MAX_AUTHOR_LENGTH).strip(), _share(item.get("share")))
        )
    names = [o.name for o in owners]
    if len(set(names)) != len(names):
        raise _invalid("owners", "著作权人重复", "an owner is named twice")
    shares = [o.share for o in owners]
    if any(s is not None for s in shares):
        if any(s is None for s in shares):
            raise _invalid(
                "owners",
                "份额须为每位著作权人都给出，或都不给出",
                "give a share for every owner or for none",
            )
        total = sum(Decimal(s) for s in shares if s is not None)
        if total != 100:
            raise _invalid(
                "owners",
                f"份额合计应为 100%，而非 {total}%",
                f"shares must add up to 100 %, not {total} %",
                total=str(total),
            )
    return tuple(owners)


def _share(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _invalid("owners", "份额应为百分数", "a share is a percentage")
    text = str(value).strip()
    try:
        if not _SHARE.fullmatch(text):
            raise InvalidOperation(text)
        share = Decimal(text)
    except InvalidOperation:
        raise _invalid(
            "owners",
            "份额应为 0 到 100 之间、最多两位小数的百分数",
            "a share is a percentage above 0 and at most 100, with at most two decimals",
            share=text,
        ) from None
    if not 0 < share <= 100:
        raise _invalid(
            "owners", "份额应在 0 与 100 之间", "a share is above 0 and at most 100", share=text
        )
    return format(share.normalize(), "f")


def _contributors(raw: Mapping[str, object]) -> tuple[Contributor, ...]:
    value = _optional_list(
        raw,
        "contributors",
        range(MAX_CONTRIBUTORS + 1),
        f"其他贡献者应为至多 {MAX_CONTRIBUTORS} 项的列表",
        f"contributors is a list of at most {MAX_CONTRIBUTORS} items",
    )
    if value is None:
        return ()
    contributors: list[Contributor] = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"name", "role"}:
            raise _invalid(
                "contributors", "每位贡献者为 {name, role}", "each contributor is {name, role}"
            )
        name, role = item["name"], item["role"]
        if not isinstance(name, str) or not name.strip():
            raise _invalid("contributors", "贡献者须有名称", "a contributor needs a name")
        if role not in CONTRIBUTOR_ROLES or role == "A01":
            raise _invalid(
                "contributors",
                f"未知的贡献者角色 {role!r}（作者写在 authors 中）",
                f"unknown contributor role {role!r} (authors go in authors)",
                allowed=sorted(set(CONTRIBUTOR_ROLES) - {"A01"}),
            )
        contributors.append(
            Contributor(_text(name, "contributors", MAX_AUTHOR_LENGTH).strip(), str(role))
        )
    return tuple(contributors)


def _text(value: str, field: str, max_length: int) -> str:
    """``value`` in NFC, refused when it is not Unicode text (a lone surrogate, which JSON's
    ``\\ud800`` escapes can carry), holds a NUL, or is longer than ``max_length`` characters
    once normalised."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidMetadata(
            f"metadata.{field} is not valid Unicode text", details={"field": field}
        ) from None
    if "\x00" in value:  # PostgreSQL cannot store it, SQLite would: refuse it on both
        raise InvalidMetadata(
            f"metadata.{field} contains a NUL character", details={"field": field}
        )
    normalized = unicodedata.normalize("NFC", value)
    if len(normalized) > max_length:
        raise InvalidMetadata(
            f"metadata.{field} is longer than {max_length} characters", details={"field": field}
        )
    return normalized


def _isbn(raw: Mapping[str, object]) -> str | None:
    value = _optional_string(raw, "isbn")
    if value is None:
        return None
    try:
        return normalize_isbn(value)
    except InvalidIsbn as exc:
        raise InvalidMetadata(exc.message, details={"field": "isbn"}) from exc


def _rights(raw: Mapping[str, object]) -> tuple[str, ...]:
    value = raw.get("rights")
    if value is None:
        return ALL_RIGHT_NAMES
    if not isinstance(value, list):
        raise InvalidMetadata(
            "metadata.rights must be a list of names", details={"field": "rights"}
        )
    return parse_rights(value)


def _optional_list(
    raw: Mapping[str, object], field: str, lengths: range, zh: str, en: str
) -> list[object] | None:
    """``raw[field]``, None when absent; refused (``zh`` / ``en``) unless it is a list whose
    length is in ``lengths``."""
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, list) or len(value) not in lengths:
        raise _invalid(field, zh, en)
    return value


def _optional_string(raw: Mapping[str, object], field: str) -> str | None:
    value = raw.get(field)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidMetadata(f"metadata.{field} must be a string", details={"field": field})
    return value
