"""Turn Chinese and English text into index tokens: once per item at sync time, once per query.

Every text field goes through the same steps: Unicode NFKC, traditional -> simplified
(only for text with Han characters), lower case, then jieba for Han runs and a plain word
split for everything else, minus stop words. English stemming happens later, in the Whoosh
analyzer, so the stored tokens stay readable.

Stored token strings (``Item.title_tokens`` / ``Item.body_tokens``) hold one position per
space-separated group. A long Chinese word carries its dictionary sub-words after ``|``,
and they share its position::

    "社会保障卡|社会|保障|社会保障 补领"

so a query for 社保 or 保障 finds the long word, and the phrase "社会保障卡 补领" (two
positions) matches because positions count words, not characters.

``Item.title_pinyin`` holds, for every Han word of two or more characters in the title
and for every Han run of the title, its full pinyin and its initials:
社保卡补办 -> "shebaoka sbk shebao sb buban bb shebaokabuban sbkbb". So ``shebao`` and
``sb`` both find titles with 社保, and typing a whole title in pinyin works too.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jieba
from pypinyin import lazy_pinyin
from whoosh.analysis import STOP_WORDS as WHOOSH_STOP_WORDS
from whoosh.analysis import (
    Analyzer,
    LowercaseFilter,
    StemFilter,
    StopFilter,
    Token,
    Tokenizer,
)

# A body longer than this many characters is segmented only up to here, so one huge
# page cannot stall a sync (jieba runs at roughly 0.5-1 MB of text per second).
BODY_ANALYSIS_CHARS = 20_000

# Words longer than this are dropped: they are hashes, URLs or base64, never queries.
MAX_WORD_CHARS = 64

# Joins a long word to its sub-words inside one stored position.
SUBWORD_SEPARATOR = "|"

# Pinyin of a whole Han run is indexed only for runs up to this length (titles, not essays).
PINYIN_RUN_CHARS = 20

GOV_TERMS_PATH = Path(__file__).with_name("gov_terms.txt")

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f"
_HAN_CHAR = re.compile(f"[{_HAN}]")
_HAN_RUN = re.compile(f"([{_HAN}]+)")  # the capturing group puts runs at odd split indexes
_WORD = re.compile(r"[^\W_]+")
_STORED_WORD = re.compile(r"[^\s|]+|\s+")

ZH_STOP_WORDS = frozenset(
    """
    的 地 得 了 着 过 吗 呢 吧 啊 呀 哦 么 嘛 哈 啦 呗
    怎么 怎么办 怎样 怎么样 如何 什么 哪里 哪儿 哪个 哪些 在哪 在哪里 为什么 为何
    请问 一下 是 在 和 与 及 或 以及 或者 等 等等 我 我们 你 你们 您 他 她 它 他们
    这 那 这个 那个 这些 那些 这样 那样 就 都 也 还 又 被 把 让 给 对 从 向 于 之 其
    而 但 但是 并 且 如果 可以 能 能否 可否 要 想 需要 应该 有 没有 个 吗
    """.split()
)
EN_STOP_WORDS = frozenset(WHOOSH_STOP_WORDS) | frozenset(
    "i me my how what where which who why do does did am was were been about into".split()
)
STOP_WORDS = ZH_STOP_WORDS | EN_STOP_WORDS

_lock = threading.Lock()
_jieba: jieba.Tokenizer | None = None
_t2s = None


@dataclass(frozen=True)
class ItemTokens:
    """Tokens of one item, stored in the database so re-indexing never runs jieba."""

    title_tokens: str
    body_tokens: str
    title_pinyin: str


def has_han(text: str) -> bool:
    """Tell whether `text` contains a Han character."""
    return _HAN_CHAR.search(text) is not None


def normalise(text: str) -> str:
    """Fold `text` to NFKC, simplified characters and lower case."""
    text = unicodedata.normalize("NFKC", text)
    if has_han(text):
        text = _converter().convert(text)
    return text.lower()


def analyse_item(title: str, body: str) -> ItemTokens:
    """Segment an item's title and body into the token strings the index is built from."""
    title_text = normalise(title or "")
    title_groups = list(_token_groups(title_text, search_mode=True))
    body_groups = _token_groups(normalise((body or "")[:BODY_ANALYSIS_CHARS]), search_mode=True)
    return ItemTokens(
        title_tokens=_join_groups(title_groups),
        body_tokens=_join_groups(body_groups),
        title_pinyin=" ".join(_title_pinyin(title_groups, title_text)),
    )


def segment_query(text: str) -> list[str]:
    """Split a query into words with jieba's precise mode, minus stop words."""
    return list(_segment_query(text))


@functools.lru_cache(maxsize=4096)
def _segment_query(text: str) -> tuple[str, ...]:
    # Precise mode: the long word is in the index (search mode put it there), so a query
    # for 结婚登记 scores one posting list instead of 结婚 + 登记 + 结婚登记.
    return tuple(group[0] for group in _token_groups(normalise(text), search_mode=False))


def pinyin_words(word: str) -> tuple[str, str]:
    """Return the full pinyin and the initials of a Han word."""
    syllables = [s for s in lazy_pinyin(word, errors="ignore") if s.isascii() and s.isalpha()]
    return "".join(syllables), "".join(s[0] for s in syllables)


def _token_groups(text: str, *, search_mode: bool) -> Iterator[list[str]]:
    """Yield one list of words per position: a word and, in search mode, its sub-words."""
    for index, part in enumerate(_HAN_RUN.split(text)):
        if index % 2:
            groups = _han_groups(part) if search_mode else ([w] for w in _tokenizer().cut(part))
        else:
            groups = ([w] for w in _WORD.findall(part))
        for group in groups:
            kept = [w for w in group if _is_word(w)]
            if kept:
                yield kept


def _is_word(word: str) -> bool:
    # Single Latin letters are possessive 's and initials, noise in an index; single Han
    # characters (证, 税) and digits are kept.
    if len(word) == 1 and word.isascii() and word.isalpha():
        return False
    return word not in STOP_WORDS and len(word) <= MAX_WORD_CHARS


def _han_groups(run: str) -> Iterator[list[str]]:
    """Yield each precise word of a Han run followed by every dictionary word inside it."""
    tokenizer = _tokenizer()
    freq = tokenizer.FREQ
    for word in tokenizer.cut(run):
        group = [word]
        # jieba's own search mode only adds 2- and 3-character words; every length is
        # needed so 社会保障 is found inside 社会保障卡.
        for size in range(2, len(word)):
            for start in range(len(word) - size + 1):
                part = word[start : start + size]
                if freq.get(part) and part not in group:
                    group.append(part)
        yield group


def _join_groups(groups: Iterator[list[str]] | list[list[str]]) -> str:
    return " ".join(SUBWORD_SEPARATOR.join(group) for group in groups)


def _title_pinyin(groups: list[list[str]], title_text: str) -> list[str]:
    """List pinyin and initials of the title's Han words and runs, without repeats."""
    words = [w for group in groups for w in group if len(w) >= 2 and has_han(w)]
    words += [run for run in _HAN_RUN.findall(title_text) if 2 <= len(run) <= PINYIN_RUN_CHARS]
    seen: dict[str, None] = {}
    for word in words:
        for form in pinyin_words(word):
            if len(form) >= 2:
                seen.setdefault(form)
    return list(seen)


def _tokenizer() -> jieba.Tokenizer:
    """Return the process-wide jieba tokenizer with the government terms, loading it once."""
    if _jieba is None:
        _load()
    return _jieba


def _converter():
    if _t2s is None:
        _load()
    return _t2s


def _load() -> None:
    global _jieba, _t2s
    with _lock:
        if _jieba is not None:
            return
        import opencc

        logging.getLogger("jieba").setLevel(logging.WARNING)
        # A private tokenizer: other code using jieba's global one is not affected.
        tokenizer = jieba.Tokenizer()
        tokenizer.initialize()
        for word, freq, tag in read_gov_terms():
            tokenizer.add_word(word, freq, tag)
        _t2s = opencc.OpenCC("t2s")
        _jieba = tokenizer


def read_gov_terms(path: Path = GOV_TERMS_PATH) -> list[tuple[str, int, str | None]]:
    """Read the government-terms dictionary: (word, frequency, tag) per line."""
    terms = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        freq = int(fields[1]) if len(fields) > 1 else None
        terms.append((fields[0], freq, fields[2] if len(fields) > 2 else None))
    return terms


class StackedTokenizer(Tokenizer):
    """Read stored tokens: one position per space-separated group, `|` stacks sub-words."""

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        in_group = False
        pieces = _STORED_WORD.finditer(value) if tokenize else [re.match(r".*", value, re.S)]
        for match in pieces:
            text = match.group()
            if tokenize and text.isspace():
                if in_group:
                    pos += 1
                in_group = False
                continue
            in_group = True
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = pos
            if chars:
                token.startchar = start_char + match.start()
                token.endchar = start_char + match.end()
            yield token


def text_analyzer() -> Analyzer:
    """Build the Whoosh analyzer for title and body: stored tokens, lower case, stop, stem."""
    # minsize=1 keeps one-character Chinese words (证, 税); renumber=False keeps stacked
    # sub-words on their word's position. The stemmer leaves Han words alone.
    return (
        StackedTokenizer()
        | LowercaseFilter()
        | StopFilter(stoplist=EN_STOP_WORDS, minsize=1, renumber=False)
        | StemFilter()
    )


_INDEX_ANALYZER = text_analyzer()


@functools.lru_cache(maxsize=8192)
def index_form(word: str) -> str | None:
    """Return the term `word` becomes in the title and body fields (stemmed), or None."""
    for token in _INDEX_ANALYZER(word):
        return token.text
    return None
