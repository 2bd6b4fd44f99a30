"""Words and their frozen weights: what makes a shared word count for relatedness.

A word's inverse document frequency comes from a frozen table of how common the word is in
the language (`model/zipf_<language>.tsv.gz`, exported from `wordfreq`, Zipf frequency in
hundredths), not from the articles indexed so far: a statistic that drifts with every
article would make a related list depend on history. `idf = cut - zipf`, so a common word
weighs little (words at or above the cut, none at the default, not at all). Tables ship for
English and 39 more languages (`docs/related-model.md`); a language without one treats every
word as rare (`oov_zipf`), as a table does a word it lacks.
"""

from __future__ import annotations

import gzip
import heapq
import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache

from .embedding import CJK, MODEL_DIR

__all__ = [
    "EVERYDAY_ZIPF",
    "WORD",
    "Vocabulary",
    "common_words",
    "commonest_words",
    "everyday_words",
    "fold_plural",
    "language_code",
    "normalise",
    "table_language",
    "table_spelling",
    "unexplaining",
    "vocabulary",
    "words_of",
]


def _ranges(points: list[int]) -> str:
    """Code points, ascending, as the ranges of a character class."""
    runs: list[list[int]] = []
    for point in points:
        if runs and runs[-1][1] == point - 1:
            runs[-1][1] = point
        else:
            runs.append([point, point])
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in runs)


_MARKS = {
    point: category
    for point in (*range(0x20000), *range(0xE0000, 0xE0200))
    if (category := unicodedata.category(chr(point)))[0] == "M"
}
"""Every combining mark (Unicode categories Mn, Mc and Me) and its category: none lies elsewhere."""
_BMP_MARKS = _ranges([p for p in _MARKS if p < 0x10000])
_OTHER_MARKS = _ranges([p for p in _MARKS if p >= 0x10000])  # historic scripts, variation selectors
_JOINERS = "\u200c\u200d"  # zero-width (non-)joiners, inside Persian and Indic words
_MARK = rf"[{_BMP_MARKS}]|[{_OTHER_MARKS}]|[{_JOINERS}](?=[^\W\d_])"
WORD = re.compile(rf"[^\W\d_]+(?:(?:{_MARK})+[^\W\d_]*)*")
"""A word: a run of letters (any script) and the combining marks that belong to them (the vowel
signs of Devanagari, Bengali or Tamil are marks, not letters), read after `normalise`."""
_LETTERS = re.compile(r"[^\W\d_]+")
"""`WORD` in a text without marks or joiners, two and a half times as fast."""
_MAY_HOLD_MARKS = re.compile(f"[{_BMP_MARKS}{_JOINERS}\U00010000-\U0010ffff]")

_HAS_CJK = re.compile(f"[{CJK}]")
_CJK_OR_NOT = re.compile(f"[{CJK}]+|[^{CJK}]+")

EVERYDAY_ZIPF = 600
"""Words at least this common (Zipf 6.0: one word in a thousand or more, such as "after", "said",
"would") weigh a little in a score but tell a reader nothing, so a card's reason leaves them out."""

# words ending in -s that are not plurals (or fold onto a different word)
_NOT_PLURALS = """
news series species always perhaps whereas thus ones its his hers ours yours theirs various
famous previous serious anxious obvious nervous numerous tremendous enormous gorgeous jealous
dangerous generous religious curious conscious continuous mysterious ambitious precious
politics economics physics mathematics athletics statistics ethics tactics graphics
electronics olympics texas paris athens brussels wales kansas arkansas illinois carlos charles
james jones
"""
_NO_FOLD = frozenset(_NOT_PLURALS.split())


def fold_plural(word: str, known: dict[str, int]) -> str:
    """Light English plural folding, onto a word the frequency table knows (else unchanged)."""
    if len(word) <= 3 or word[-1] != "s" or word in _NO_FOLD or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies") and len(word) > 4 and (word[:-3] + "y") in known:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "zes", "sses", "oes")) and word[:-2] in known:
        return word[:-2]
    return word[:-1] if word[:-1] in known else word


class Vocabulary:
    """One language's frozen word weights; `term` of a word is a pure lookup (`lexicon.py`
    remembers what it gave for each word met)."""

    def __init__(self, language: str, zipf: dict[str, int], *, cut: int, oov_zipf: int) -> None:
        self.language = language
        self.zipf = zipf
        self.cut = cut
        self.oov_zipf = oov_zipf
        self.fold = language == "en"

    def term(self, word: str) -> tuple[str, int] | None:
        """The term a lower-cased word counts as, with its idf; None for stop words and single letters."""
        if len(word) < 2:
            return None
        term = fold_plural(word, self.zipf) if self.fold else word
        idf = self.cut - self.zipf.get(table_spelling(term), self.oov_zipf)
        return (term, idf) if idf > 0 else None


@cache
def _shipped() -> frozenset[str]:
    """The languages a frequency table ships for."""
    names = (path.name for path in MODEL_DIR.glob("zipf_*.tsv.gz"))
    return frozenset(name.removeprefix("zipf_").removesuffix(".tsv.gz") for name in names)


_TABLE_OF = {"no": "nb", "hr": "sh", "sr": "sh", "bs": "sh", "tl": "fil", "iw": "he", "in": "id"}
"""Language codes whose words another table holds: Norwegian's written standard Bokmål, the
standards of Serbo-Croatian, Tagalog's Filipino, and ISO 639's withdrawn codes of Hebrew and
Indonesian. Only the table is shared: articles are still related within their own code."""


_ABJADS = frozenset({"ar", "fa", "ur", "he", "yi", "ps", "ckb", "sd", "ug"})
"""Languages written in Arabic or Hebrew script, whose vowel points are optional: removed."""
_ABJAD_MARKS = re.compile(  # non-spacing marks, and the tatweel, which only stretches a word
    f"[{_ranges([p for p, category in _MARKS.items() if category == 'Mn' and p < 0x10000])}\u0640]"
)
_DOTTED_I = frozenset({"tr", "az"})
_COMMA_BELOW = str.maketrans("şţ", "șț")  # Romanian writes a comma below; a cedilla is a mistyping
_CEDILLA = str.maketrans("șț", "şţ")  # and Turkish the other way round
_SERBIAN_LATIN = str.maketrans(
    dict(zip("абвгдђежзијклмнопрстћуфхцчш", "abvgdđežzijklmnoprstćufhcčš", strict=True))
    | {"љ": "lj", "њ": "nj", "џ": "dž"}
)


_PIECE = 4096  # characters normalised at a time when a text may grow
_MARKS_IN_A_ROW = 30
_LONG_BMP_MARK_RUN = re.compile(f"([{_BMP_MARKS}]{{{_MARKS_IN_A_ROW}}})[{_BMP_MARKS}]+")
_ANY_MARK = f"(?:[{_BMP_MARKS}]|(?=[\U00010000-\U0010ffff])[{_OTHER_MARKS}])"  # the astral class is slow to test
_LONG_MARK_RUN = re.compile(f"({_ANY_MARK}{{{_MARKS_IN_A_ROW}}}){_ANY_MARK}+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _stream_safe(text: str) -> str:
    """`text` with at most 30 combining marks in a row. NFKC puts a run of marks in canonical
    order by insertion, in time that grows with the square of the run: 40,000 marks after one
    letter took seconds. No language writes more than 30 (Unicode's stream-safe format, UAX #15,
    allows no longer run), so marks past the 30th only stretch a letter: they are dropped."""
    if text.isascii():
        return text
    text = _LONG_BMP_MARK_RUN.sub(r"\1", text)
    return _LONG_MARK_RUN.sub(r"\1", text) if _ASTRAL.search(text) else text


def _composes_back(char: str) -> bool:
    """Whether NFKC may join `char` to the character before it: a mark, or a Hangul vowel or
    final consonant typed apart from its syllable."""
    return unicodedata.category(char)[0] == "M" or "\u1160" <= char <= "\u11ff"


def _nfkc(text: str, enough: int) -> str:
    """NFKC of `text`, or of a prefix of it that gives at least `enough` characters. NFKC can
    lengthen a text eighteen times (U+FDFA is 18 letters), so a long text is normalised a piece
    at a time. A piece ends before a space, where NFKC of the pieces is NFKC of the whole; in
    a text without spaces, never before a character that composes with what precedes it."""
    if len(text) <= _PIECE:
        return unicodedata.normalize("NFKC", text)
    out: list[str] = []
    size = start = 0
    while start < len(text) and size < enough:
        end = text.find(" ", start + _PIECE, start + 2 * _PIECE)
        if end < 0:
            end = start + _PIECE
            while end < len(text) and _composes_back(text[end]):
                end += 1
        out.append(unicodedata.normalize("NFKC", text[start:end]))
        size += len(out[-1])
        start = end
    return "".join(out)


def normalise(text: str, language: str, enough: int | None = None) -> str:
    """Text as the word tables spell their words (the steps of wordfreq's own preprocessing).

    Compatibility forms become what they stand for (NFKC: a ligature "ﬁ", full-width letters, a
    letter and its combining accent as one); soft hyphens, which a CMS puts inside long words to
    show where a line may break, are dropped; text is lower-cased (a word is shown as a reason
    as written: "straße", a Greek final "ς") and looked up in its table case-folded, as the
    table spells it (`Vocabulary.term`: "strasse", "σ"); Turkish keeps its dotted and dotless i apart;
    Arabic and Hebrew lose their optional vowel points; Serbian Cyrillic reads as the Latin
    the table holds; Romanian and Turkish s and t with a comma or cedilla below are one letter.
    With `enough`, only the first `enough` characters of the result are sure to be there."""
    code = language_code(language)
    text = _stream_safe(text)
    text = unicodedata.normalize("NFKC", text) if enough is None else _nfkc(text, enough)
    text = text.replace("\u00ad", "")  # a soft hyphen only marks where a line may break
    if code in _ABJADS:
        text = _ABJAD_MARKS.sub("", text)
    if code in _DOTTED_I:  # before lower-casing, which would give "i" and "i̇"
        text = text.replace("İ", "i").replace("I", "ı")
    text = text.lower()
    if code in _DOTTED_I:
        text = text.translate(_CEDILLA)
    if code == "sh":
        text = text.translate(_SERBIAN_LATIN)
    elif code == "ro":
        text = text.translate(_COMMA_BELOW)
    return text


def table_spelling(word: str) -> str:
    """A lower-cased word as the word tables spell it: case-folded ("straße" is "strasse")."""
    return word if word.isascii() else word.casefold()


def words_of(text: str, limit: int) -> list[str]:
    """The first `limit` words of normalised text: runs of letters. Chinese and Japanese,
    written without spaces between words, are read as overlapping pairs of characters (as
    search engines index them: "欧洲央行" is "欧洲", "洲央", "央行"), a lone character as itself."""
    words = (WORD if _MAY_HOLD_MARKS.search(text) else _LETTERS).findall(text)
    if not _HAS_CJK.search(text):
        return words[:limit]
    out: list[str] = []
    for word in words:
        for part in _CJK_OR_NOT.findall(word):
            if _HAS_CJK.match(part):
                pairs = min(max(1, len(part) - 1), limit - len(out))  # a run may be a whole text
                out.extend(part[i : i + 2] for i in range(pairs))
            else:
                out.append(part)
        if len(out) >= limit:
            break
    return out[:limit]


_HIRAGANA = re.compile("[\u3040-\u309f]+")


def unexplaining(shared: Iterable[str], language: str) -> set[str]:
    """The shared terms a card's reason leaves out (they still count in the score):

    * everyday words (`EVERYDAY_ZIPF`: "after", "said"), which tell a reader nothing;
    * a pair of characters (`words_of`) inside a longer run the shared terms also hold: "洲央"
      when "欧洲" and "央行" are there too, since it may straddle two words, as it does in
      "欧洲央行" (European central bank);
    * a pair in hiragana only, which in Japanese news is grammar ("いる", "だと"), not topic.
    """
    terms = list(shared)
    everyday = everyday_words(language)
    pairs = [t for t in terms if len(t) == 2 and _HAS_CJK.match(t)]
    ends, starts = {p[1] for p in pairs}, {p[0] for p in pairs}
    inside = {p for p in pairs if p[0] in ends and p[1] in starts}
    grammar = {p for p in pairs if _HIRAGANA.fullmatch(p)}
    return {t for t in terms if table_spelling(t) in everyday} | inside | grammar


def language_code(language: str) -> str:
    """The code whose word table and embedding direction a language uses: its primary subtag,
    lower-cased, or the one `_TABLE_OF` names."""
    base = language.split("-", maxsplit=1)[0].lower()
    return _TABLE_OF.get(base, base)


def table_language(language: str) -> str:
    """The table a language reads (`language_code`), or "" (none) when no table ships for it.

    Every language without a table behaves the same, so they share one vocabulary: any number
    of distinct language tags (a CMS may send thousands) costs one cache entry, not one each."""
    code = language_code(language)
    return code if code in _shipped() else ""


@cache
def _table(key: str) -> dict[str, int]:
    """word -> Zipf frequency (hundredths) from the shipped table `key` ("": none, empty)."""
    return dict(_rows(key))


def _rows(key: str) -> Iterator[tuple[str, int]]:
    """(word, Zipf frequency in hundredths) of the shipped table `key`, read as a stream."""
    if not key:
        return
    with gzip.open(MODEL_DIR / f"zipf_{key}.tsv.gz", "rt", encoding="utf-8") as lines:
        for line in lines:
            word, _, zipf = line.rstrip("\n").partition("\t")
            yield word, int(zipf)


def vocabulary(language: str, cut: int, oov_zipf: int) -> Vocabulary:
    """The vocabulary of `language` (primary subtag: `en-GB` reads the `en` table)."""
    return _vocabulary(table_language(language), cut, oov_zipf)


@cache
def _vocabulary(key: str, cut: int, oov_zipf: int) -> Vocabulary:
    return Vocabulary(key, _table(key), cut=cut, oov_zipf=oov_zipf)


def common_words(language: str, min_zipf: int) -> tuple[str, ...]:
    """The words of `language` at least this common (Zipf, hundredths), commonest first.

    Their postings would be the longest; the related engine keeps their weights as dense
    columns instead (a way of computing, not a setting: the scores are the same)."""
    return _common_words(table_language(language), min_zipf)


@cache
def _common_words(key: str, min_zipf: int) -> tuple[str, ...]:
    """Read from the file, not `_table`: the API, which only explains links, never holds the table."""
    common = [(word, zipf) for word, zipf in _rows(key) if zipf >= min_zipf]
    return tuple(word for word, _ in sorted(common, key=lambda p: (-p[1], p[0])))


def commonest_words(language: str, count: int) -> tuple[str, ...]:
    """The `count` commonest words of `language`'s table, commonest first (none without a table)."""
    return _commonest_words(table_language(language), count)


@cache
def _commonest_words(key: str, count: int) -> tuple[str, ...]:
    """From `_table`: only feature extraction asks, and it holds the table anyway."""
    return tuple(word for word, _ in heapq.nsmallest(count, _table(key).items(), key=lambda p: (-p[1], p[0])))


def everyday_words(language: str) -> frozenset[str]:
    """The words of `language` too common to explain a link (`EVERYDAY_ZIPF`); none without a table."""
    return _everyday_words(table_language(language))


@cache
def _everyday_words(key: str) -> frozenset[str]:
    return frozenset(_common_words(key, EVERYDAY_ZIPF))
