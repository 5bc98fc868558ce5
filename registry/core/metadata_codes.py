"""The code lists of work metadata: work types (Copyright Law art. 3), how a copyright was
acquired and how it is held, and the contributor roles (ONIX code list 17) banquan knows.

Each code has its Chinese name first and its English name beside it; the codes themselves are
what the metadata (and so the metadata digest) carries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str

    def to_json(self) -> dict[str, str]:
        return asdict(self)


def _table(*codes: Code) -> MappingProxyType[str, Code]:
    return MappingProxyType({c.code: c for c in codes})


# 《中华人民共和国著作权法》第三条 (2020): the kinds of works.
WORK_TYPES = _table(
    Code("written", "文字作品", "written work"),
    Code("oral", "口述作品", "oral work"),
    Code("musical", "音乐作品", "musical work"),
    Code("dramatic", "戏剧作品", "dramatic work"),
    Code("quyi", "曲艺作品", "quyi (storytelling and ballad-singing) work"),
    Code("choreographic", "舞蹈作品", "choreographic work"),
    Code("acrobatic", "杂技艺术作品", "acrobatic work"),
    Code("fine_art", "美术作品", "work of fine art"),
    Code("architectural", "建筑作品", "architectural work"),
    Code("photographic", "摄影作品", "photographic work"),
    Code("audiovisual", "视听作品", "audiovisual work"),
    Code("graphic", "图形作品", "graphic work (drawings, maps, sketches)"),
    Code("model", "模型作品", "model work"),
    Code("software", "计算机软件", "computer software"),
)

# How the right was acquired: originally (the first three) or by derivation (the last two).
ORIGINAL_ACQUISITION = ("created", "commissioned", "employment")
DERIVED_ACQUISITION = ("transfer", "inheritance")
ACQUISITION = _table(
    Code("created", "原始取得：创作", "original: created by the owner"),
    Code("commissioned", "原始取得：委托创作", "original: commissioned work"),
    Code("employment", "原始取得：职务创作", "original: made in the course of employment"),
    Code("transfer", "继受取得：转让", "derived: transfer"),
    Code("inheritance", "继受取得：继承", "derived: inheritance"),
)

# How the right is held.
HOLDING = _table(
    Code("individual", "个人作品", "individual work"),
    Code("joint", "合作作品", "joint work"),
    Code("legal_person", "法人作品", "legal-person work"),
    Code("employment", "职务作品", "employment work"),
)

# ONIX code list 17 (Contributor role), the values banquan accepts; "A01" is the author role
# that ``authors`` carry.
CONTRIBUTOR_ROLES = _table(
    Code("A01", "著", "by (author)"),
    Code("A02", "合著", "with"),
    Code("A06", "作曲", "by (composer)"),
    Code("A07", "绘", "by (artist)"),
    Code("A08", "摄影", "by (photographer)"),
    Code("A12", "插图", "illustrated by"),
    Code("A13", "摄影（插图）", "photographs by"),
    Code("A15", "序", "preface by"),
    Code("A19", "后记", "afterword by"),
    Code("A23", "前言", "foreword by"),
    Code("A24", "导读", "introduction by"),
    Code("B01", "编", "edited by"),
    Code("B06", "译", "translated by"),
    Code("B09", "主编（丛书）", "series edited by"),
    Code("B11", "编著", "editor-in-chief"),
    Code("E07", "朗读", "read by"),
)
AUTHOR_ROLE = "A01"
