"""The parsers: what users type after the command."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.slack.render import escape, unescape
from handlers.countries import find_country, suggest_countries
from handlers.i18n import use_language
from handlers.kinds import find_kind
from handlers.parsing import ParseError, read_fields, tokenize
from handlers.text import fold, without_bidi
from handlers.validation import InvalidFields, check_fields
from handlers.weeks import Week

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with use_language("en"):
        yield


def fields(text: str) -> dict[str, str]:
    return read_fields(tokenize(text)).values


def test_quoted_values_keep_their_spaces_and_typographic_quotes_count() -> None:
    assert fields('org="Rovaniemen kaupunki" country=FI') == {"org": "Rovaniemen kaupunki", "country": "FI"}
    assert fields("org=“Rovaniemen kaupunki” land=Finland") == {
        "org": "Rovaniemen kaupunki",
        "country": "Finland",
    }
    assert fields("org=”Kauno miesto savivaldybė” typ=skola") == {
        "org": "Kauno miesto savivaldybė",
        "kind": "skola",
    }


def test_text_that_is_not_key_value_becomes_free_text_and_apostrophes_stay() -> None:
    parsed = read_fields(tokenize("country=SE We met O'Brien's team, 2+2=4 https://x.se/?a=b"))
    assert parsed.values == {"country": "SE"}
    assert parsed.free_text == "We met O'Brien's team, 2+2=4 https://x.se/?a=b"


def test_swedish_keys_are_the_same_fields() -> None:
    assert fields(
        "land=SE ort=Malmö epost=a@b.se typ=vänort ungdom=ja enhet=KFF datum=idag "
        "sammanfattning=x nytta=y uppföljning=z"
    ) == {
        "country": "SE",
        "city": "Malmö",
        "email": "a@b.se",
        "kind": "vänort",
        "youth": "ja",
        "unit": "KFF",
        "date": "idag",
        "summary": "x",
        "benefit": "y",
        "followup": "z",
    }


def test_unbalanced_quotes_unknown_keys_and_repeats_are_explained() -> None:
    with pytest.raises(ParseError, match="quote is not closed"):
        tokenize('org="Rovaniemi country=FI')
    with pytest.raises(ParseError, match="Did you mean country"):
        fields("contry=FI")
    with pytest.raises(ParseError, match="given twice"):
        fields("org=A org=B")


def test_countries_by_code_english_or_swedish_name() -> None:
    for typed, code in [
        ("FI", "FI"),
        ("fi", "FI"),
        ("Finland", "FI"),
        ("Lithuania", "LT"),
        ("Litauen", "LT"),
        ("Österrike", "AT"),
        ("osterrike", "AT"),
        ("Storbritannien", "GB"),
        ("UK", "GB"),
        ("Tyskland", "DE"),
        ("germany", "DE"),
    ]:
        assert find_country(typed) == code, typed
    assert find_country("Atlantis") is None and find_country("EU") is None and find_country("") is None
    assert suggest_countries("tysk", "sv")[0] == ("DE", "Tyskland")


def test_kinds_in_english_and_swedish() -> None:
    assert find_kind("vänort") == "twin-town" and find_kind("Twin-Town") == "twin-town"
    assert find_kind("studiebesök") == "visit" and find_kind("EU-projekt") == "eu-project"
    assert find_kind("party") is None


def test_check_fields_reports_every_problem_at_once() -> None:
    with pytest.raises(InvalidFields) as caught:
        check_fields(
            {
                "country": "Atlantis",
                "date": "2026-12-01",
                "email": "nope",
                "youth": "maybe",
                "summary": "x" * 3001,
            },
            TODAY,
        )
    assert set(caught.value.errors) == {"org", "country", "date", "email", "youth", "summary"}
    assert "3001 characters" in caught.value.errors["summary"].plain()


def test_dates_today_yesterday_and_iso() -> None:
    assert check_fields({"org": "A", "country": "SE", "summary": "s", "date": "igår"}, TODAY).date == date(
        2026, 11, 25
    )
    assert (
        check_fields({"org": "A", "country": "SE", "summary": "s", "date": "2026-11-26"}, TODAY).date == TODAY
    )
    with pytest.raises(InvalidFields, match="date"):
        check_fields({"org": "A", "country": "SE", "summary": "s", "date": "20/11"}, TODAY)


def test_weeks() -> None:
    assert Week.parse("2026-W47") == Week(2026, 47) == Week.parse("2026w47")
    assert Week.parse("2026-W54") is None and Week.parse("nonsense") is None
    assert Week(2026, 47).monday == date(2026, 11, 16) and Week(2026, 47).sunday == date(2026, 11, 22)
    assert Week(2026, 1).previous() == Week(2025, 1 + 51)


def test_escape_neutralises_mentions_and_round_trips() -> None:
    assert escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert unescape(escape("a&lt;b <c> & d")) == "a&lt;b <c> & d"
    assert fold("  MALMÖ  Östra ") == "malmo ostra"


# -- properties: no input makes a parser or the validation raise anything but its own errors

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
TYPED = st.lists(
    st.one_of(
        TEXT,
        st.sampled_from(
            [
                'org="',
                "country=",
                "land=FI",
                "typ=vänort",
                "youth=ja",
                "date=",
                "“",
                "”",
                "summary=",
                "=",
                "==",
                "email=",
                "😀",
                "å",
                "ä",
                "ö",
                "<!channel>",
                "&amp;",
                " ",
                "\n",
            ]
        ),
    ),
    max_size=12,
).map("".join)


@given(TYPED)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_parsing_never_fails_with_anything_but_a_parse_error(typed: str) -> None:
    with use_language("sv"):
        try:
            parsed = read_fields(tokenize(typed))
        except ParseError as problem:
            assert str(problem)
            return
        try:
            data = check_fields(
                dict(parsed.values, summary=parsed.values.get("summary", parsed.free_text)), TODAY
            )
        except InvalidFields as invalid:
            assert invalid.errors and all(invalid.errors.values())
            return
        assert data.org and data.country and data.summary
        assert data.date is None or data.date <= TODAY


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cs", "Zs", "Cc"), blacklist_characters='"“”„«»='),
            min_size=1,
            max_size=20,
        ),
        min_size=1,
        max_size=6,
    )
)
def test_quoted_words_come_back_exactly(words: list[str]) -> None:
    typed = " ".join(f'"{w}"' for w in words)
    assert [t.text for t in tokenize(typed)] == words


@given(TEXT)
def test_escaped_text_contains_no_markup_characters(value: str) -> None:
    escaped = escape(value)
    assert "<" not in escaped and ">" not in escaped
    # Everything comes back but the bidi controls, which escaping drops on purpose (they could
    # turn the surrounding reply around).
    assert unescape(escaped) == without_bidi(value)


@given(TEXT)
def test_country_and_kind_lookups_never_raise(value: str) -> None:
    code = find_country(value)
    assert code is None or (len(code) == 2 and code.isupper())
    assert find_kind(value) in {
        None,
        "twin-town",
        "eu-project",
        "school",
        "association",
        "business",
        "visit",
        "conference",
        "other",
    }


@given(st.text(max_size=12))
def test_week_parsing_never_raises(value: str) -> None:
    week = Week.parse(value)
    assert week is None or 1 <= week.number <= 53


def test_unquoted_free_text_values_run_until_the_next_key() -> None:
    parsed = read_fields(tokenize("org=Malmö stad land=SE sammanfattning=Möte om vänorter"))
    assert parsed.values == {"org": "Malmö stad", "country": "SE", "summary": "Möte om vänorter"}
    assert parsed.free_text == ""


def test_a_person_keeps_both_names() -> None:
    parsed = read_fields(tokenize("person=Anna Svensson org=Kaunas country=LT"))
    assert parsed.values["person"] == "Anna Svensson"


def test_words_after_a_closed_field_are_the_summary() -> None:
    parsed = read_fields(tokenize("org=Tallinn country=EE Met the youth council typ=vänort"))
    assert parsed.values == {"org": "Tallinn", "country": "EE", "kind": "vänort"}
    assert parsed.free_text == "Met the youth council"


def test_a_quoted_value_ends_at_its_quote() -> None:
    parsed = read_fields(tokenize('org="Malmö stad" met the mayor'))
    assert parsed.values == {"org": "Malmö stad"} and parsed.free_text == "met the mayor"


def test_i_dag_is_one_date() -> None:
    parsed = read_fields(tokenize("datum=i dag org=X"))
    assert parsed.values["date"] == "i dag"


@pytest.mark.parametrize("typed", ["logga =värde org=X", "= org=X", "org=X ="])
def test_an_equals_sign_without_a_field_name_is_an_error_that_says_so(typed: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_fields(tokenize(typed))
    assert "no field name before =" in str(caught.value)


FREE = ["org", "person", "city", "unit", "summary", "benefit", "followup"]
CLOSED = {
    "country": st.sampled_from(["SE", "FI", "Norge"]),
    "kind": st.sampled_from(["vänort", "school"]),
    "email": st.just("a@b.se"),
    "youth": st.sampled_from(["ja", "no"]),
}
WORD = st.text(alphabet=st.characters(whitelist_categories=("L", "N")), min_size=1, max_size=8)


@given(
    st.dictionaries(st.sampled_from(FREE), st.lists(WORD, min_size=1, max_size=4), max_size=4),
    st.dictionaries(st.sampled_from(list(CLOSED)), st.just(None), max_size=3),
    st.lists(WORD, max_size=4),
    st.data(),
)
def test_any_mix_of_unquoted_fields_is_read_as_typed(
    free: dict[str, list[str]], closed: dict[str, None], summary_words: list[str], data: st.DataObject
) -> None:
    closed_values = {name: data.draw(CLOSED[name]) for name in closed}
    parts = [f"{name}={' '.join(words)}" for name, words in free.items()]
    # Free text after a closed field becomes the summary, unless a summary= was given.
    leading = summary_words if "summary" not in free else []
    parts = [" ".join(leading)] + [f"{name}={value}" for name, value in closed_values.items()] + parts
    parsed = read_fields(tokenize(" ".join(p for p in parts if p)))
    assert parsed.values == {**{n: " ".join(w) for n, w in free.items()}, **closed_values}
    assert parsed.free_text == " ".join(leading)
