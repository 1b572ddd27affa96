"""Renders the README's sample digest: a made-up week in a throw-away SQLite database.

    python scripts/render-sample-digest.py docs/

Writes digest-sample.json (the exact Block Kit payload: paste it into Slack's Block Kit
Builder to see it), digest-sample.html (a plain rendering of those blocks), and
digest-chart.png (the chart the digest posts in its thread). The README's picture of
the message is a screenshot of the HTML (Debian's chromium):

    chromium --headless --no-sandbox --hide-scrollbars --window-size=800,760 \
        --screenshot=docs/digest-sample.png file://$PWD/docs/digest-sample.html
"""

from __future__ import annotations

import html
import json
import random
import re
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.chart import weekly_chart  # noqa: E402
from bot.slack.digest import digest_message  # noqa: E402
from handlers.digest import build_digest, chart_weeks, week_title  # noqa: E402
from handlers.i18n import _, use_language  # noqa: E402
from handlers.weeks import Week  # noqa: E402
from storage.contacts import ContactStore, NewContact  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.weekly import counts_by_unit  # noqa: E402

ZONE = ZoneInfo("Europe/Stockholm")
WEEK = Week(2026, 47)
SAMPLES = [
    (
        "Rovaniemen kaupunki",
        "FI",
        "twin-town",
        True,
        "Kultur- och fritidsförvaltningen",
        "Anna",
        "Planerar ett fotbollsutbyte för 14–16-åringar sommaren 2027.",
        "Båda klubbarna får nya matcher och ledarutbyte.",
        "Skicka programförslag före 15 januari",
    ),
    (
        "Tartu linn",
        "EE",
        "school",
        True,
        "Barn- och utbildningsförvaltningen",
        "Erik",
        "Digitalt klassrumsutbyte mellan två högstadieskolor, start vårterminen.",
        "Språkträning och gemensamma projekt.",
        None,
    ),
    (
        "Interreg Central Baltic",
        "LV",
        "eu-project",
        False,
        "Näringslivskontoret",
        "Sara",
        "Förstudie om gröna hamnar; vi är partner i ansökan.",
        "Medfinansiering och kunskap om elektrifiering.",
        "Underskrift av partnerintyg senast 2 december",
    ),
    (
        "Stadt Kiel",
        "DE",
        "visit",
        False,
        "Miljöförvaltningen",
        "Johan",
        "Studiebesök om klimatanpassning av centrala stadsdelar.",
        "Vi visar vårt dagvattenarbete i gengäld.",
        None,
    ),
    (
        "Föreningen Norden Vilnius",
        "LT",
        "association",
        True,
        "Kultur- och fritidsförvaltningen",
        "Anna",
        "Körutbyte för unga inför Nordens dag.",
        "Kulturmöten för unga i båda städerna.",
        None,
    ),
]


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs")
    out.mkdir(parents=True, exist_ok=True)
    db = Database(f"sqlite:///{tempfile.mkdtemp()}/sample.db")
    upgrade(db)
    store = ContactStore(db)
    rng = random.Random(2026)
    start, _end = WEEK.bounds(ZONE)

    def log(sample: tuple, moment: datetime, met: date, with_followup: bool) -> None:
        org, country, kind, youth, unit, who, summary, benefit, followup = sample
        new = NewContact(
            met,
            org,
            country,
            kind,
            summary,
            f"U{who}",
            "slack",
            youth,
            unit=unit,
            benefit=benefit,
            followup=followup if with_followup else None,
            logged_by_name=who.lower(),
        )
        store.add(new, moment)

    for weeks_back in range(1, 12):
        for _n in range(rng.randrange(2, 9)):
            moment = start - timedelta(weeks=weeks_back) + timedelta(hours=rng.randrange(24 * 5))
            log(rng.choice(SAMPLES), moment, moment.date(), with_followup=False)
    for day, sample in enumerate(SAMPLES):
        moment = start + timedelta(days=day, hours=9 + day)
        log(sample, moment, moment.date() - timedelta(days=1), with_followup=True)
    with use_language("sv"):
        digest = build_digest(db, WEEK, ZONE)
        text, blocks = digest_message(digest, 1)
        counts = counts_by_unit(db, chart_weeks(WEEK, ZONE))
        title = _("Contacts per week by unit, 12 weeks to {week}").format(week=week_title(WEEK))
        png = weekly_chart(counts, title, _("other units"), _("no unit"))
    (out / "digest-sample.json").write_text(
        json.dumps({"text": text, "blocks": blocks}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (out / "digest-chart.png").write_bytes(png)
    (out / "digest-sample.html").write_text(as_html(blocks), encoding="utf-8")


def mrkdwn(text: str) -> str:
    # The text is already entity-escaped for Slack, which is also valid HTML.
    text = re.sub(r"\*([^*\n]+)\*", r"<b>\1</b>", text)
    text = re.sub(r"_([^_\n]+)_", r"<i>\1</i>", text)
    text = re.sub(r"`([^`\n]+)`", r"<code>\1</code>", text)
    return text.replace("\n", "<br>")


def as_html(blocks: list[dict]) -> str:
    parts = []
    for block in blocks:
        kind = block["type"]
        if kind == "header":
            parts.append(f"<h2>{html.escape(block['text']['text'])}</h2>")
        elif kind == "section":
            parts.append(f"<p>{mrkdwn(block['text']['text'])}</p>")
            if block.get("fields"):
                fields = "".join(f"<div>{mrkdwn(f['text'])}</div>" for f in block["fields"])
                parts.append(f"<div class=fields>{fields}</div>")
        elif kind == "divider":
            parts.append("<hr>")
        elif kind == "context":
            parts.append("".join(f"<p class=context>{mrkdwn(e['text'])}</p>" for e in block["elements"]))
        elif kind == "actions":
            parts.append(
                "".join(f"<button>{html.escape(e['text']['text'])}</button>" for e in block["elements"])
            )
    style = (
        "body{font-family:Lato,Helvetica,Arial,sans-serif;font-size:15px;max-width:760px;margin:16px;color:#1d1c1d}"
        ".msg{border-left:4px solid #1d4f91;padding:4px 16px}.who{font-weight:bold}"
        ".fields{display:grid;grid-template-columns:1fr 1fr;gap:8px 24px;margin-bottom:8px}"
        ".context{color:#616061;font-size:13px}code{background:#f6f6f6;border:1px solid #ddd;padding:0 3px}"
        "button{background:#007a5a;color:#fff;border:0;border-radius:4px;padding:8px 14px;font-weight:bold}"
        "h2{font-size:18px;margin:8px 0}hr{border:0;border-top:1px solid #ddd}"
    )
    return (
        f"<!doctype html><meta charset=utf-8><style>{style}</style>"
        f"<div class=who>contactbot <span class=context>APP 08:00</span></div><div class=msg>{''.join(parts)}</div>\n"
    )


if __name__ == "__main__":
    main()
