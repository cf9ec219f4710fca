"""The text-derived inputs and the genre rule (the Rust core checks the same cases through
models/fixtures/derive.json, made from these functions)."""

import math

from hitcast_train import derive


def label(table, v):
    return "missing" if v != v else table[int(v)]


def test_title_markers_read_only_the_decorations():
    for title, want in [
        ("I Don't Care (with Justin Bieber) - Loud Luxury Remix", "remix"),
        ("Hello - Live at Wembley", "live"),
        ("Yesterday - Remastered 2009", "remaster"),
        ("Numb (Original Mix)", "original"),
        ("Live Forever", "original"),  # the song's own name is not a marker
        ("Song (Acoustic) [Live]", "live"),  # the higher-priority marker wins
        ("Song - Radio Edit", "version"),
    ]:
        assert label(derive.TITLE_LABELS, derive.title_marker(title)) == want, title
    assert math.isnan(derive.title_marker("")) and math.isnan(derive.title_marker(None))


def test_album_markers():
    for album, want in [("Positions (Deluxe)", "deluxe"), ("Greatest Hits", "compilation"),
                        ("MTV Unplugged", "live"), ("1989", "album"), ("Hits Remixed", "compilation")]:
        assert label(derive.ALBUM_LABELS, derive.album_marker(album)) == want, album
    assert math.isnan(derive.album_marker(" "))


def test_featured_artists():
    assert derive.featured_artists("Song (feat. A, B & C)") == 3
    assert derive.featured_artists("I Don't Care (with Justin Bieber)") == 1
    assert derive.featured_artists("Dance With Me") == 0  # "with" counts only in a decoration
    assert derive.featured_artists("Song (feat. B)", ["A", "B", "C"]) == 2
    assert derive.featured_artists(None, ["A"]) == 0
    assert math.isnan(derive.featured_artists(None, None))


def test_genres():
    for text, want in [("rap", "hip-hop"), ("contemporary country", "country"), ("k-pop boy group", "k-pop"),
                       ("jazz", "jazz"), ("['dance pop', 'pop', 'post-teen pop']", "pop"),
                       ("pop rap, rap, hip hop", "hip-hop"), ("deep house", "edm"), ("pop punk", "rock"),
                       ("polka", "other")]:
        assert label(derive.GENRE_LABELS, derive.coarse_genre(text)) == want, text
    assert math.isnan(derive.coarse_genre("[]"))


def test_rules_carry_every_table():
    r = derive.rules()
    assert r["genre_labels"] == derive.GENRE_LABELS
    assert [m[0] for m in r["title_markers"]] == derive.TITLE_LABELS[1:]
    assert [m[0] for m in r["album_markers"]] == derive.ALBUM_LABELS[1:]
