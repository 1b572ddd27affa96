"""Countries as ISO 3166-1 alpha-2 codes, found from a code or an English or Swedish name.

The names come from the Unicode CLDR data that Babel ships, so they are complete and
spelled as the languages' own references spell them.
"""

from __future__ import annotations

from functools import cache

from babel import Locale

from handlers.text import fold

# CLDR territory codes that are not ISO 3166-1 countries (unions, test codes, islands
# that share another country's code). Kosovo (XK) is kept: it is user-assigned in ISO
# but is what the EU and most registers use.
_NOT_COUNTRIES = {"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"}

# Common names that CLDR does not list under the country itself.
_ALIASES = {
    "uk": "GB",
    "england": "GB",
    "scotland": "GB",
    "skottland": "GB",
    "wales": "GB",
    "great britain": "GB",
    "britain": "GB",
    "united states of america": "US",
    "amerika": "US",
    "holland": "NL",
    "czech republic": "CZ",
    "tjeckiska republiken": "CZ",
    "ryssland": "RU",
    "russian federation": "RU",
    "south korea": "KR",
    "sydkorea": "KR",
    "north korea": "KP",
    "nordkorea": "KP",
    "vitryssland": "BY",
    "turkiet": "TR",
    "turkey": "TR",
    "swaziland": "SZ",
    "macedonia": "MK",
    "makedonien": "MK",
    "ivory coast": "CI",
    "elfenbenskusten": "CI",
    # What the countries call themselves, as twin towns' own staff write it.
    "suomi": "FI",
    "deutschland": "DE",
    "polska": "PL",
    "eesti": "EE",
    "lietuva": "LT",
    "latvija": "LV",
    "norge": "NO",
    "noreg": "NO",
    "danmark": "DK",
    "island": "IS",
    "ísland": "IS",
    "sverige": "SE",
    "éire": "IE",
    "österreich": "AT",
    "schweiz": "CH",
    "españa": "ES",
    "italia": "IT",
    "nederland": "NL",
    "magyarország": "HU",
    "česko": "CZ",
    "slovensko": "SK",
    "slovenija": "SI",
    "hrvatska": "HR",
    "ukraina": "UA",
    "україна": "UA",
    "беларусь": "BY",
    "belarus": "BY",
    "kalaallit nunaat": "GL",
    "føroyar": "FO",
}


@cache
def country_names(language: str) -> dict[str, str]:
    """Code -> country name in `language` (`sv` or `en`), for every country."""
    territories = Locale.parse(language).territories
    return {
        code: name
        for code, name in territories.items()
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@cache
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for language in ("en", "sv"):
        for code, name in country_names(language).items():
            index.setdefault(fold(name), code)
    index.update({fold(alias): code for alias, code in _ALIASES.items()})
    return index


@cache
def _aliases_by_code() -> dict[str, list[str]]:
    by_code: dict[str, list[str]] = {}
    for alias, code in _ALIASES.items():
        by_code.setdefault(code, []).append(fold(alias))
    return by_code


def find_country(value: str) -> str | None:
    """The ISO code for a code or name ("FI", "fi", "Finland", "Litauen"), else None."""
    cleaned = value.strip()
    if len(cleaned) == 2 and cleaned.isalpha() and cleaned.upper() in country_names("en"):
        return cleaned.upper()
    return _index().get(fold(cleaned))


def country_name(code: str, language: str) -> str:
    """The name of the country `code` in `language`, or the code if unknown."""
    return country_names(language).get(code, code)


def suggest_countries(query: str, language: str, limit: int = 100) -> list[tuple[str, str]]:
    """(code, name) pairs whose name or code matches `query`, for a typeahead.

    Names that start with the query come first; names in both languages, and the other
    names the line parser knows (UK, England, Vitryssland, Suomi, …), are searched, so the
    form finds what the command line finds.
    """
    folded = fold(query)
    names = country_names(language)
    other = country_names("en" if language == "sv" else "sv")
    starts: list[tuple[str, str]] = []
    contains: list[tuple[str, str]] = []
    for code, name in sorted(names.items(), key=lambda item: fold(item[1])):
        candidates = (
            fold(name),
            fold(other.get(code, "")),
            code.casefold(),
            *_aliases_by_code().get(code, ()),
        )
        if not folded or any(c.startswith(folded) for c in candidates):
            starts.append((code, name))
        elif any(folded in c for c in candidates):
            contains.append((code, name))
    return (starts + contains)[:limit]
