"""Inputs derived from text a user already has: the title, the credited artists, the album name,
and the artist's genre names.

The rules below are the single source of truth: the pipeline applies them to its data and writes
them into the model's `hitcast.derive` metadata, and the Rust core reads them from there and
applies the same algorithm (`src/derive.rs`); nothing is copied by hand between the languages.

Text matching, identical in both languages: `tokens(text)` lower-cases ASCII letters and splits
into words of a-z/0-9, with `&` and `,` as tokens of their own; a phrase matches where its tokens
occur in a row (whole words only). Genre names match by substring, as before.
"""

from __future__ import annotations

import re

# Title markers, in priority order: the first that matches is the title's marker.
# 0 = none of them ("original").
TITLE_MARKERS: list[tuple[str, list[str]]] = [
    ("remix", ["remix", "rmx", "bootleg", "rework", "flip", "vip mix", "club mix", "dub"]),
    ("live", ["live", "en vivo", "ao vivo", "en directo", "live at", "live from", "unplugged"]),
    ("acoustic", ["acoustic", "acustico", "acustica", "stripped", "piano version"]),
    ("instrumental", ["instrumental", "karaoke"]),
    ("remaster", ["remaster", "remastered", "remasterizado", "re master", "re mastered"]),
    ("version", ["version", "edit", "radio edit", "extended", "demo", "reprise", "interlude",
                 "intro", "outro", "skit", "slowed", "sped up", "nightcore", "cover", "mono", "stereo"]),
]
TITLE_LABELS = ["original"] + [label for label, _ in TITLE_MARKERS]

# Album-name markers, in priority order; 0 = none ("album").
ALBUM_MARKERS: list[tuple[str, list[str]]] = [
    ("live", ["live", "en vivo", "ao vivo", "en directo", "unplugged", "in concert", "mtv"]),
    ("compilation", ["greatest hits", "best of", "the best", "hits", "collection", "anthology",
                     "essentials", "essential", "the very best", "gold", "platinum", "compilation",
                     "playlist", "various", "now that s what i call music", "singles"]),
    ("soundtrack", ["soundtrack", "original motion picture", "music from", "ost", "score",
                    "original cast", "musical"]),
    ("deluxe", ["deluxe", "expanded", "edition", "bonus", "special", "anniversary", "complete",
                "super deluxe", "platinum edition", "reloaded", "extended"]),
    ("remaster", ["remaster", "remastered", "remasters", "remasterizado"]),
    ("remix", ["remix", "remixes", "remixed", "the remixes"]),
]
ALBUM_LABELS = ["album"] + [label for label, _ in ALBUM_MARKERS]

# Words that introduce featured artists. "with" only counts inside brackets or after " - ",
# where it credits someone ("(with Justin Bieber)"), not in a title such as "Dance With Me".
FEAT_WORDS = ["feat", "ft", "featuring"]
FEAT_BRACKET_WORDS = ["with", "con", "avec", "part"]
# What separates featured names inside a feat clause.
FEAT_SEPARATORS = [",", "&", "and", "x", "y", "e", "et"]

# Coarse genres: the labels the model knows, in index order; the keywords of each, in
# tie-break order (the keyword that ends last in one genre name wins, then the names vote).
GENRE_LABELS = ["pop", "rock", "hip-hop", "edm", "r&b", "latin", "other",
                "country", "k-pop", "indie", "folk", "jazz", "classical"]
GENRE_WORDS: list[tuple[str, list[str]]] = [
    ("k-pop", ["k-pop", "kpop", "k pop", "korean", "j-pop", "c-pop", "anime"]),
    ("hip-hop", ["hip hop", "hip-hop", "rap", "trap", "drill", "grime"]),
    ("latin", ["latin", "reggaeton", "salsa", "samba", "sertanejo", "forro", "tango", "spanish",
               "bachata", "cumbia", "mexican", "corrido", "ranchera", "banda", "mpb", "pagode",
               "flamenco", "bolero", "tropical", "urbano", "funk carioca", "norteno", "grupera"]),
    ("r&b", ["r&b", "soul", "funk", "gospel", "new jack swing", "urban contemporary", "quiet storm",
             "motown", "disco"]),
    ("edm", ["edm", "house", "electro", "techno", "trance", "dubstep", "dance", "drum",
             "garage", "hardstyle", "club", "big room", "electronica", "bass", "future", "dnb"]),
    ("country", ["country", "bluegrass", "americana", "honky tonk", "red dirt"]),
    ("jazz", ["jazz", "blues", "swing", "bebop", "bossa nova", "big band", "lounge"]),
    ("classical", ["classical", "orchestra", "baroque", "opera", "soundtrack", "score",
                   "compositional", "romantic era", "choral", "piano", "chamber", "string quartet"]),
    ("folk", ["folk", "singer-songwriter", "acoustic", "celtic", "mellow gold", "neo mellow"]),
    ("indie", ["indie", "alternative", "lo-fi", "lofi", "bedroom", "shoegaze", "dream pop",
               "escape room", "permanent wave", "art pop", "chamber pop", "alt z"]),
    ("rock", ["rock", "metal", "punk", "grunge", "emo", "grindcore", "hardcore", "goth",
              "screamo", "djent", "shoegaze"]),
    ("pop", ["pop", "boy band", "girl group", "idol", "teen", "post-teen", "poptimism"]),
]

def tokens(text) -> list[str]:
    """ASCII-lower-cased words of `text`: runs of a-z/0-9; `&` and `,` are tokens of their own;
    every other character separates."""
    if not isinstance(text, str):
        return []
    out, word = [], []
    for c in text:
        c = c.lower() if c.isascii() else " "
        if ("a" <= c <= "z") or ("0" <= c <= "9"):
            word.append(c)
            continue
        if word:
            out.append("".join(word))
            word = []
        if c in "&,":
            out.append(c)
    if word:
        out.append("".join(word))
    return out


def _has_phrase(toks: list[str], phrase: str) -> bool:
    p = tokens(phrase)
    return bool(p) and any(toks[i : i + len(p)] == p for i in range(len(toks) - len(p) + 1))


def _marker(text, table) -> float:
    toks = tokens(text)
    for i, (_, phrases) in enumerate(table):
        if any(_has_phrase(toks, p) for p in phrases):
            return float(i + 1)
    return 0.0


def split_title(title: str) -> tuple[str, list[str]]:
    """(the song's own name, its decorations): the bracketed parts ("(Live at X)", nested
    brackets stay inside their part) and what follows the first " - " outside brackets."""
    parts, main, buf, depth = [], [], [], 0
    for c in title:
        if c in "([":
            if depth > 0:
                buf.append(c)
            depth += 1
        elif c in ")]" and depth > 0:
            depth -= 1
            if depth == 0:
                parts.append("".join(buf))
                buf = []
            else:
                buf.append(c)
        elif depth > 0:
            buf.append(c)
        else:
            main.append(c)
    if depth > 0:
        parts.append("".join(buf))
    name = "".join(main)
    if " - " in name:
        name, rest = name.split(" - ", 1)
        parts.append(rest)
    return name, parts


def _present(text) -> bool:
    return isinstance(text, str) and text.strip() != ""


def title_marker(title) -> float:
    """Index into `TITLE_LABELS`; NaN without a title. Only the decorations count."""
    if not _present(title):
        return float("nan")
    _, parts = split_title(title)
    found = [m for m in (_marker(p, TITLE_MARKERS) for p in parts) if m > 0]
    return min(found) if found else 0.0


def album_marker(album) -> float:
    """Index into `ALBUM_LABELS`; NaN without an album name."""
    if not _present(album):
        return float("nan")
    return _marker(album, ALBUM_MARKERS)


def featured_in_title(title) -> int:
    """Artists a title credits as featured: "Song (feat. A, B & C)" → 3. A feat word in a
    decoration or the song's own name starts a clause; each separator in it adds a name."""
    if not _present(title):
        return 0
    name, parts = split_title(title)
    best = 0
    for text, words in [(p, FEAT_WORDS + FEAT_BRACKET_WORDS) for p in parts] + [(name, FEAT_WORDS)]:
        toks = tokens(text)
        at = next((i for i, t in enumerate(toks) if t in words), None)
        if at is None:
            continue
        clause = toks[at + 1 :]
        if not any(t not in FEAT_SEPARATORS for t in clause):
            continue
        best = max(best, 1 + sum(1 for t in clause if t in FEAT_SEPARATORS))
    return best


def featured_artists(title, artists=None) -> float:
    """Featured (non-main) artists: the larger of the credits beyond the first and the names in
    the title's feat clause. NaN when neither a title nor a credit list is known."""
    n_credits = len(artists) if artists is not None else 0
    if not _present(title) and n_credits == 0:
        return float("nan")
    return float(max(n_credits - 1, featured_in_title(title)))


def _item_genre(item: str) -> str | None:
    """One genre name → label: the keyword that ends last wins ("dance pop" → pop)."""
    best, best_end = None, -1
    for label, kws in GENRE_WORDS:
        for kw in kws:
            at = item.rfind(kw)
            if at >= 0 and at + len(kw) > best_end:
                best, best_end = label, at + len(kw)
    return best


def coarse_genre(text) -> float:
    """Genre text → index into `GENRE_LABELS`; NaN when empty.

    Accepts one name ("rap") or a list ("['dance pop', 'pop']" or "dance pop, pop"): each name
    votes, ties go to the label listed first in `GENRE_WORDS`.
    """
    if not isinstance(text, str):
        return float("nan")
    items = [i.strip(" '\"").lower() for i in text.strip("[] ").split(",")]
    return coarse_genre_names(items)


def coarse_genre_names(names) -> float:
    items = [i.strip().lower() for i in names if isinstance(i, str) and i.strip()]
    if not items:
        return float("nan")
    votes: dict[str, int] = {}
    for item in items:
        label = _item_genre(item) or "other"
        votes[label] = votes.get(label, 0) + 1
    order = [label for label, _ in GENRE_WORDS] + ["other"]
    winner = max(votes, key=lambda k: (votes[k], -order.index(k)))
    return float(GENRE_LABELS.index(winner))


def rules() -> dict:
    """The `hitcast.derive` metadata: every table above, for the Rust core."""
    return {
        "version": 1,
        "matching": "ASCII lower case; characters other than a-z, 0-9 and & become spaces; "
        "a phrase matches whole words. Title markers look only at bracketed parts and what "
        "follows ' - '; the first marker in order that matches wins (0 = none).",
        "title_markers": [[label, phrases] for label, phrases in TITLE_MARKERS],
        "album_markers": [[label, phrases] for label, phrases in ALBUM_MARKERS],
        "feat_words": FEAT_WORDS,
        "feat_bracket_words": FEAT_BRACKET_WORDS,
        "feat_separators": FEAT_SEPARATORS,
        "genre_labels": GENRE_LABELS,
        "genre_words": [[label, kws] for label, kws in GENRE_WORDS],
    }
