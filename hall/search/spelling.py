"""Did you mean: correct a query that found little, from the index's own vocabulary.

Citizens' slips are of two kinds. A Chinese word typed with the wrong homophone (社报 for
社保: a pinyin input method offers both), and a misspelt Latin word (lisence, or pinyin
such as shebo). A Han word is corrected by its pinyin: title words with the same pinyin,
else one or two letters apart; a Latin word by one edit of the word as typed, and by
edit distance over the title terms and the title pinyin (Whoosh's Levenshtein automaton,
never a walk of the whole dictionary). The closest candidate wins, then the one in most
titles; a word the titles already hold gives way only to a far commoner one. The caller
searches the correction and offers it only if it finds more than the query did.

The pinyin -> Han words table is built from the title field once per index generation,
on first need; pinyin of a word is remembered across generations, so after a commit
the rebuild is a walk of the title terms only.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from whoosh.reading import IndexReader

from hall.search.analysis import has_han, index_form, pinyin_words

# A query word in at most this many documents may be a slip worth correcting.
RARE_WORD_DOCS = 2

# Han title words of these lengths are candidates (longer ones are phrases, not slips).
HAN_WORD_CHARS = range(2, 9)

# Candidates kept per pinyin, most frequent first.
CANDIDATES_PER_PINYIN = 4

# Latin words shorter than this are not corrected: too many neighbours.
LATIN_MIN_CHARS = 4

# Letters a correction keeps from the typed word: Whoosh's automaton then walks only the
# terms starting with them (with none, about 150 ms per word at 100k items).
PREFIX_CHARS = 2

# A Han word found in titles is replaced only by one in this many times more titles.
COMMONER = 10

# Words of a run of rare Han words looked at (each part costs a dictionary lookup).
MAX_RUN_WORDS = 6

_LETTERS = "abcdefghijklmnopqrstuvwxyz"

# Words remembered with their pinyin across generations (about 100 bytes each).
PINYIN_MEMO_SIZE = 200_000

_ONLY_HAN = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")
_pinyin_memo: dict[str, str] = {}


@dataclass(frozen=True)
class Vocabulary:
    """Han title words by their full pinyin, each with its document frequency."""

    han_by_pinyin: dict[str, tuple[tuple[str, int], ...]]


def build_vocabulary(reader: IndexReader) -> Vocabulary:
    """Read the title terms of one index generation into a Vocabulary."""
    by_pinyin: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for text, info in reader.iter_field("title"):
        word = text.decode("utf-8") if isinstance(text, bytes) else text
        if len(word) in HAN_WORD_CHARS and _ONLY_HAN.match(word):
            by_pinyin[_pinyin(word)].append((word, info.doc_frequency()))
    return Vocabulary(
        {
            pinyin: tuple(sorted(found, key=lambda pair: -pair[1])[:CANDIDATES_PER_PINYIN])
            for pinyin, found in by_pinyin.items()
            if pinyin
        }
    )


@dataclass(frozen=True)
class Correction:
    """A corrected query, and its English words that were made from a title stem.

    Title terms are stems (medic for medical), so a word built from one may not be a
    word (medice); `stems` maps each such word to its stem, for the caller to spell it as
    a title does (respell).
    """

    text: str
    stems: dict[str, str]


def correct(
    text: str, words: list[str], reader: IndexReader, vocabulary: Vocabulary
) -> Correction | None:
    """Return `text` with its rare words replaced by likelier ones, or None if none is."""
    corrected = text
    stems = {}
    for old, new, stem in _replacements(words, reader, vocabulary):
        if has_han(old):
            corrected = corrected.replace(old, new, 1)
        else:
            corrected = re.sub(_whole_word(old), new, corrected, count=1)
        if stem:
            stems[new] = stem
    return Correction(corrected, stems) if corrected != text else None


def respell(text: str, spellings: dict[str, str]) -> str:
    """Replace whole words of `text` by their spelling in `spellings` (word -> word)."""
    for word, spelt in spellings.items():
        text = re.sub(_whole_word(word), spelt, text, count=1)
    return text


def spelling_in(word: str, title_tokens: str) -> str | None:
    """Return the word of stored title tokens that has the same stem as `word`."""
    stem = index_form(word)
    for token in re.split(r"[\s|]+", title_tokens):
        if token.isascii() and token.isalpha() and index_form(token) == stem:
            return token
    return None


def _whole_word(word: str) -> str:
    return rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])"


def _replacements(
    words: list[str], reader: IndexReader, vocabulary: Vocabulary
) -> Iterable[tuple[str, str, str | None]]:
    """Yield (typed, corrected, stem) triples: Han runs of rare words, rare Latin words."""
    run: list[str] = []
    for word in [*words, ""]:  # the empty word ends the last run
        if word and has_han(word) and (len(word) == 1 or _rare(reader, word)):
            run.append(word)
            continue
        for old, new in _correct_han_run(run, reader, vocabulary):
            yield old, new, None
        run = []
        if word.isascii() and word.isalpha() and len(word) >= LATIN_MIN_CHARS:
            better = _correct_latin(word, reader)
            if better:
                yield word, *better


def _correct_han_run(
    run: list[str], reader: IndexReader, vocabulary: Vocabulary
) -> Iterable[tuple[str, str]]:
    """Correct a run of rare or single-character Han words, the longest parts first.

    jieba cuts an unknown word into single characters (or keeps a rare pair), so a run of
    them is what a slip looks like: 挂矢 in 护照 挂 矢. Parts are tried from the left,
    longest first; a part that cannot be corrected leaves its first word as typed.
    """
    run = run[:MAX_RUN_WORDS]
    start = 0
    while start < len(run):
        for end in range(len(run), start, -1):
            part = "".join(run[start:end])
            better = _best_han(part, reader, vocabulary) if len(part) >= 2 else None
            if better:
                yield part, better
                start = end
                break
        else:
            start += 1


def _best_han(word: str, reader: IndexReader, vocabulary: Vocabulary) -> str | None:
    """Return the most frequent title word sounding like `word` (or nearly), if commoner."""
    pinyin = _pinyin(word)
    if not pinyin:
        return None
    found = dict(vocabulary.han_by_pinyin.get(pinyin, ()))
    if not found and len(pinyin) >= 4:
        distance = 1 if len(pinyin) < 8 else 2
        for near in _within(reader, "pinyin", pinyin, distance):
            found.update(vocabulary.han_by_pinyin.get(near, ()))
    found.pop(word, None)
    # A word the titles hold is replaced only by a far commoner one: it may be meant.
    must_beat = _frequency(reader, "title", word) * COMMONER
    # Distance is counted in pinyin: homophones are zero apart, the commonest wins.
    return _closest(pinyin, found, must_beat, spelling=_pinyin)


def _correct_latin(word: str, reader: IndexReader) -> tuple[str, str | None] | None:
    """Return the likeliest spelling of a rare Latin word, with the title stem it is from.

    Candidates: a title word (as a stem) or a title pinyin; the stem is None for pinyin,
    which is indexed as typed.
    """
    stem = index_form(word)
    if not stem or not _rare(reader, word):
        return None
    distance = 1 if len(word) <= 5 else 2
    found: dict[str, int] = {}
    stems: dict[str, str] = {}
    # One edit of the word as typed: stems drift further apart than words do
    # (residense -> residens, residence -> resid).
    for candidate in _edits(word):
        form = index_form(candidate)
        frequency = _frequency(reader, "title", form) if form and form != stem else 0
        if frequency:
            found[candidate], stems[candidate] = frequency, form
    for term in _within(reader, "title", stem, distance):
        surface = _surface(word, stem, term) if term != stem else None
        if surface and surface != word:
            found[surface], stems[surface] = _frequency(reader, "title", term), term
    for term in _within(reader, "pinyin", word, distance):
        if term != word and len(term) >= LATIN_MIN_CHARS:
            found.setdefault(term, _frequency(reader, "pinyin", term))
    # A word the titles hold is replaced only by a far commoner one: it may be meant.
    better = _closest(word, found, _frequency(reader, "title", stem) * COMMONER)
    return (better, stems.get(better)) if better else None


def _edits(word: str) -> set[str]:
    """Return every word one deletion, transposition, replacement or insertion away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    found = {a + b[1:] for a, b in splits if b}
    found |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    found |= {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
    found |= {a + c + b for a, b in splits for c in _LETTERS}
    found.discard(word)
    return found


def _surface(word: str, stem: str, target: str) -> str | None:
    """Return a word whose stem is `target`, spelt like the typed `word` past its stem.

    Title terms are stems (licens); a suggestion must be a word (license). Stemming cuts
    a suffix, so the typed word's suffix is carried over: lisence -> licens + e.
    """
    candidates = [target + word[len(stem) :]] if word.startswith(stem) else []
    candidates.append(target)
    for candidate in candidates:
        if candidate.isascii() and candidate.isalpha() and index_form(candidate) == target:
            return candidate
    return None


def _closest(
    typed: str, found: dict[str, int], must_beat: int, spelling: Callable[[str], str] = str
) -> str | None:
    """Return the candidate fewest edits from `typed`, then in most documents."""
    found = {word: n for word, n in found.items() if n > must_beat}
    if not found:
        return None
    return min(found, key=lambda w: (edit_distance(typed, spelling(w)), -found[w], w))


def edit_distance(a: str, b: str) -> int:
    """Return the Levenshtein distance of two short strings."""
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, start=1):
        current = [i]
        for j, other in enumerate(b, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            )
        previous = current
    return previous[-1]


def _rare(reader: IndexReader, word: str) -> bool:
    """Tell whether a query word is in so few documents that it may be a slip."""
    form = index_form(word)
    if not form:
        return False
    found = _frequency(reader, "title", form) + _frequency(reader, "body", form)
    if word.isascii():
        found += _frequency(reader, "pinyin", word)
    return found <= RARE_WORD_DOCS


def _frequency(reader: IndexReader, field_name: str, term: str) -> int:
    try:
        return reader.doc_frequency(field_name, term)
    except (KeyError, ValueError):
        return 0


def _within(reader: IndexReader, field_name: str, term: str, distance: int) -> list[str]:
    """Return the field's terms within `distance` edits of `term`, sharing its first letters."""
    found = reader.terms_within(field_name, term, distance, prefix=PREFIX_CHARS)
    return [t.decode("utf-8") if isinstance(t, bytes) else t for t in found]


def _pinyin(word: str) -> str:
    pinyin = _pinyin_memo.get(word)
    if pinyin is None:
        if len(_pinyin_memo) >= PINYIN_MEMO_SIZE:
            _pinyin_memo.clear()
        pinyin = _pinyin_memo[word] = pinyin_words(word)[0]
    return pinyin
