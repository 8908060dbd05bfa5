"""Curated synonyms: words citizens type for the same thing, expanded at query time."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

# A hall's groups as the searcher takes them: hashable, so they can key cached answers.
Groups = tuple[tuple[str, ...], ...]

# Each group is a set of equivalent words: a query word from a group also searches for
# the others. 社保 and 社保卡 are kept apart on purpose (insurance is not the card); the
# index still finds 社保 inside 社保卡 because long words carry their sub-words.
SEED_GROUPS: tuple[tuple[str, ...], ...] = (
    ("社保", "社会保险"),
    ("社保卡", "社会保障卡"),
    ("医保", "基本医疗保险", "医疗保险"),
    ("公积金", "住房公积金"),
    ("户口", "户籍"),
    ("身份证", "居民身份证"),
    ("驾照", "驾驶证", "机动车驾驶证"),
    ("违章", "交通违法"),
    ("出生证", "出生医学证明"),
    ("低保", "最低生活保障"),
    ("残疾证", "残疾人证"),
    ("营业执照", "企业设立登记"),
    ("退休金", "养老金"),
    ("港澳通行证", "往来港澳通行证"),
    ("结婚证", "婚姻登记", "结婚登记"),
    ("补办", "补领", "补发"),
    ("市场监管局", "市场监督管理局"),
    ("人社局", "人力资源和社会保障局"),
    ("license", "licence"),
)


def _index(groups: Iterable[Iterable[str]]) -> dict[str, tuple[str, ...]]:
    """Map every word of every group to the other words of its groups."""
    table: dict[str, dict[str, None]] = {}
    for group in groups:
        words = [w.strip().lower() for w in group if w.strip()]
        for word in words:
            others = table.setdefault(word, {})
            for other in words:
                if other != word:
                    others.setdefault(other)
    return {word: tuple(others) for word, others in table.items()}


SEED_SYNONYMS: dict[str, tuple[str, ...]] = _index(SEED_GROUPS)


@functools.lru_cache(maxsize=256)
def synonym_table(groups: Groups) -> dict[str, tuple[str, ...]]:
    """Return the word -> synonyms table of a hall's groups (built once per distinct list)."""
    return _index(groups)


def expand(
    word: str,
    extra: Mapping[str, Iterable[str]] | None = None,
    *,
    groups: Groups | None = None,
) -> list[str]:
    """Return `word` followed by its synonyms, from `groups` first, then those in `extra`.

    `groups` None means the seed groups; a hall passes its own enabled groups instead, so
    a seed group an administrator switched off no longer applies there.
    `extra` maps a word to more words; its entries are made symmetric here, so listing
    一网通办 -> 政务服务网 is enough.
    """
    word = word.lower()
    table = SEED_SYNONYMS if groups is None else synonym_table(groups)
    forms = dict.fromkeys([word, *table.get(word, ())])
    if extra:
        for head, words in extra.items():
            group = [head, *words]
            if word in (w.lower() for w in group):
                forms.update(dict.fromkeys(w.lower() for w in group))
    return list(forms)
