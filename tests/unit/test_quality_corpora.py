"""How the quality benchmark reads a corpus whose documents have no headline of their own."""

from bench.related_quality import first_sentence


def test_a_headline_is_the_first_sentence() -> None:
    assert first_sentence("Floods hit Dresden. The Elbe rose overnight.") == (
        "Floods hit Dresden.",
        "The Elbe rose overnight.",
    )


def test_an_initialism_or_a_title_does_not_end_the_sentence() -> None:
    line = "U.S. intelligence cannot say it, Mr. J. Smith said. Officials disagreed."
    assert first_sentence(line) == ("U.S. intelligence cannot say it, Mr. J. Smith said.", "Officials disagreed.")
    assert first_sentence("Russia defended itself against U.S. criticism. It said so.")[0] == (
        "Russia defended itself against U.S. criticism."
    )


def test_a_line_without_a_full_stop_is_all_headline() -> None:
    assert first_sentence("No full stop here") == ("No full stop here", "")
