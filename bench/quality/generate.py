"""Writes the quality corpus's distractor conversations (seeded, reproducible).

    .venv/bin/python bench/quality/generate.py [--count 880] [--seed 18]
    .venv/bin/python bench/quality/generate.py --data bench/quality/data/multilingual \
        --count 400 --seed 24

Keeps every hand-written conversation of ``DATA/conversations.jsonl`` (``--data``, default
``data``; those without ``meta.generated``) and appends ``--count`` generated ones: everyday support chats that
answer none of the queries (opening hours, stock, product details, order status, invoice
copies, payment methods, account settings, feedback, ...), some in German, Spanish and
French. They share the targets' vocabulary and identifier formats (order, invoice and model
numbers next to the queried ones, customers with the same first or last names as the named
ones) so that they compete for the top ten. It refuses to write a distractor that contains an
identifier query or carries a queried customer's full name.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dataset import load_queries, normalised

DATA = Path(__file__).parent / "data"
COUNT = 880
SEED = 18

FIRST_NAMES = [
    "Sophie", "Rafael", "Chloé", "Aoife", "Dariusz", "Hannah", "Peter", "Ingrid", "Lukas",
    "Anna", "James", "Laura", "Marco", "Elena", "David", "Sarah", "Tom", "Julia", "Ahmed",
    "Nora", "Carlos", "Marie", "Jan", "Emma", "Pablo", "Léa", "Ewa", "Sean", "Mia", "Karl",
]  # fmt: skip
LAST_NAMES = [
    "Wagner", "Quintero", "Marchand", "Brennan", "Nowak", "Lindqvist", "Okafor", "Solberg",
    "Müller", "García", "Martin", "Smith", "Kowalski", "Rossi", "Jensen", "Dubois", "López",
    "Schmidt", "O'Brien", "Novak", "Silva", "Bauer", "Moreau", "Fernández", "Walsh", "Berg",
]  # fmt: skip
PRODUCTS = [
    ("wireless charging pad", "QI-10W-PAD"), ("ink cartridge", "HC-61XL"),
    ("earbuds", "ATX-100"), ("smart TV", "LX-65C2"), ("smart plug", "SP-120"),
    ("security camera", "CAM-180"), ("washing machine", "WM-7400"),
    ("fridge freezer", "KGN36VLEB"), ("blender", "BX-700"), ("rain jacket", "JK-2301-GRN-L"),
    ("smartwatch", "W3 Lite"), ("robot vacuum", "RV-40"), ("espresso machine", "EM-15"),
    ("desk lamp", "DL-8"), ("air purifier", "AP-300"), ("standing desk", "SD-140"),
]  # fmt: skip
CITIES = ["Leeds", "Hamburg", "Valencia", "Lyon", "Dublin", "Graz", "Porto", "Bristol", "Cork"]
COUNTRIES = ["Norway", "Ireland", "Belgium", "Portugal", "Denmark", "Poland", "Italy", "Finland"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# English chats open and close in many ways; the greetings make copies of a template differ.
GREETINGS = ["", "", "Hi, ", "Hello, ", "Good morning, ", "Hey there, ", "Quick question: "]
AGENT_OPENERS = ["", "", "Hi {first}, ", "Thanks for getting in touch, {first}. ", "Sure! "]
THANKS = ["Thanks!", "Great, thank you.", "Perfect, cheers.", "OK, thanks for the quick answer."]


@dataclass(frozen=True)
class Family:
    topic: str
    language: str
    write: Callable[[random.Random], list[tuple[str, str]]]  # → (role, text) turns


def _order(r: random.Random) -> str:
    return f"ORD-{r.randint(50000, 99999)}"


def opening_hours(r: random.Random) -> list[tuple[str, str]]:
    day = r.choice(["Saturday", "Sunday", "bank holiday Monday", "Christmas Eve"])
    return [
        ("customer", f"Is your phone support open on {day}? I'd rather call than chat."),
        ("agent", f"On {day} the phone line is open from 10 am to 4 pm; chat is open around "
                  "the clock."),
        ("customer", r.choice(THANKS)),
    ]  # fmt: skip


def stock(r: random.Random) -> list[tuple[str, str]]:
    name, model = r.choice(PRODUCTS)
    weeks = r.randint(2, 6)
    return [
        ("customer", f"When will the {name} {model} be back in stock? It's been sold out for "
                     "a while."),
        ("agent", f"The next delivery of the {model} is expected in about {weeks} weeks. Click "
                  "'notify me' on the product page and we'll email you the moment it's back."),
    ]  # fmt: skip


def product_details(r: random.Random) -> list[tuple[str, str]]:
    name, model = r.choice(PRODUCTS)
    question, answer = r.choice(
        [
            ("what are its dimensions", f"It measures {r.randint(20, 90)} by "
                                        f"{r.randint(10, 60)} cm and weighs "
                                        f"{r.randint(1, 30)} kg."),
            ("what colours does it come in", "It comes in black, white and sage green."),
            ("is it compatible with the older model", "Yes, all accessories of the previous "
                                                      "generation fit."),
            ("does it come with a plug for the UK", "Yes, it ships with the plug of the "
                                                    "country you order from."),
        ]
    )  # fmt: skip
    return [
        ("customer", f"Before I buy the {name} {model}: {question}?"),
        ("agent", answer),
        ("customer", r.choice(THANKS)),
    ]


def order_status(r: random.Random) -> list[tuple[str, str]]:
    order = _order(r)
    day = r.choice(DAYS)
    return [
        ("customer", f"I placed order {order} this morning. When will it ship?"),
        ("agent", f"{order} is being packed and leaves our warehouse today; the carrier "
                  f"expects to deliver it on {day}."),
    ]  # fmt: skip


def invoice_copy(r: random.Random) -> list[tuple[str, str]]:
    invoice = f"INV-{r.randint(20000, 39999)}"
    return [
        ("customer", f"Could you send me another copy of invoice {invoice}? I can't find "
                     "the email."),
        ("agent", f"I've emailed {invoice} to you again as a PDF; you can also download all "
                  "invoices under Account, Orders."),
        ("customer", r.choice(THANKS)),
    ]  # fmt: skip


def payment_methods(r: random.Random) -> list[tuple[str, str]]:
    method = r.choice(["Klarna", "Apple Pay", "bank transfer", "invoice", "American Express"])
    return [
        ("customer", f"Can I pay with {method}?"),
        ("agent", f"Yes, {method} is available at checkout for orders up to 1,500 EUR."),
    ]


def shipping_costs(r: random.Random) -> list[tuple[str, str]]:
    country = r.choice(COUNTRIES)
    return [
        ("customer", f"How much is standard shipping to {country} and how long does it take?"),
        ("agent", f"Standard shipping to {country} costs {r.randint(5, 15)}.90 EUR and takes "
                  f"{r.randint(3, 6)} business days; it's free above 80 EUR."),
    ]  # fmt: skip


def account_settings(r: random.Random) -> list[tuple[str, str]]:
    what, where = r.choice(
        [
            ("the language of the app", "Settings, General, Language"),
            ("my time zone", "Settings, Profile, Time zone"),
            ("my profile picture", "Settings, Profile, click on the avatar"),
            ("the date format", "Settings, General, Date format"),
            ("my display name", "Settings, Profile, Name"),
        ]
    )
    return [
        ("customer", f"Where can I change {what}?"),
        ("agent", f"You'll find it under {where}; the change applies straight away."),
        ("customer", r.choice(THANKS)),
    ]


def feature_request(r: random.Random) -> list[tuple[str, str]]:
    feature = r.choice(
        [
            "a calendar sync with Outlook",
            "keyboard shortcuts for the editor",
            "a home screen widget",
            "shared folders for teams",
            "a print layout for the weekly planner",
        ]
    )
    return [
        ("customer", f"Any plans to add {feature}? It would save me a lot of time."),
        ("agent", f"Thanks for the idea! {feature[0].upper()}{feature[1:]} is on our roadmap; "
                  "I've added your vote to the request."),
    ]  # fmt: skip


def compliment(r: random.Random) -> list[tuple[str, str]]:
    city = r.choice(CITIES)
    return [
        ("customer", f"Just wanted to say the delivery driver in {city} was really friendly "
                     "and careful with the boxes."),
        ("agent", "That's lovely to hear, thank you! I've passed your message on to the team."),
    ]  # fmt: skip


def showroom(r: random.Random) -> list[tuple[str, str]]:
    city = r.choice(CITIES)
    return [
        ("customer", f"Do you have a showroom in {city} where I can see the sofas before "
                     "buying?"),
        ("agent", f"Yes, our {city} showroom is open Tuesday to Saturday, 10 to 6; no "
                  "appointment needed."),
    ]  # fmt: skip


def wholesale(r: random.Random) -> list[tuple[str, str]]:
    return [
        ("customer", "We run a small café and would like to buy your coffee beans in bulk. "
                     "Do you offer wholesale prices?"),
        ("agent", "We do, from 20 kg a month. I've forwarded your details to our business "
                  "sales team; they'll contact you within two days."),
    ]  # fmt: skip


def care_instructions(r: random.Random) -> list[tuple[str, str]]:
    item, answer = r.choice(
        [
            ("the linen sofa cover", "Wash it at 30 degrees and let it dry on the sofa so it "
                                     "keeps its shape."),
            ("the leather bag", "Wipe it with a damp cloth and use leather balm twice a year."),
            ("the wool jumper", "Hand wash it cold and dry it flat."),
            ("the oak table", "Oil it every six months; avoid wet cloths on the surface."),
        ]
    )  # fmt: skip
    return [("customer", f"How should I clean {item}?"), ("agent", answer)]


def gift_wrap(r: random.Random) -> list[tuple[str, str]]:
    return [
        ("customer", "Can you add a handwritten card to my order? It's a birthday present."),
        ("agent", "Of course: tick 'add a card' at checkout and type your message; we write it "
                  "by hand and leave the price off the packing slip."),
    ]  # fmt: skip


def size_advice(r: random.Random) -> list[tuple[str, str]]:
    height = r.randint(160, 195)
    return [
        ("customer", f"I'm {height} cm tall, which size of the winter coat should I order?"),
        ("agent", "Our coats run true to size; at your height the size chart suggests "
                  f"{'M' if height < 178 else 'L'}, and the sleeves are on the long side."),
    ]  # fmt: skip


def delivery_slot(r: random.Random) -> list[tuple[str, str]]:
    day = r.choice(DAYS)
    return [
        ("customer", "Can I choose the day the wardrobe is delivered? I work most days."),
        ("agent", f"Yes, the carrier will text you to pick a slot; {day} mornings are usually "
                  "free in your area."),
    ]  # fmt: skip


def trial(r: random.Random) -> list[tuple[str, str]]:
    return [
        ("customer", "Which plan do I need for three people and shared projects?"),
        ("agent", "The Team plan covers that; you can try it free for 14 days before "
                  "choosing."),
        ("customer", r.choice(THANKS)),
    ]  # fmt: skip


def stock_de(r: random.Random) -> list[tuple[str, str]]:
    model = r.choice(PRODUCTS)[1]
    return [
        ("customer", f"Wann ist das Modell {model} wieder lieferbar?"),
        ("agent", f"Der {model} kommt voraussichtlich in {r.randint(2, 5)} Wochen wieder "
                  "rein. Über 'Benachrichtigen' auf der Produktseite erfahren Sie es sofort."),
    ]  # fmt: skip


def hours_de(r: random.Random) -> list[tuple[str, str]]:
    return [
        ("customer", "Sind Sie am Samstag telefonisch erreichbar?"),
        ("agent", "Samstags ist die Hotline von 10 bis 16 Uhr besetzt, der Chat rund um die "
                  "Uhr."),
        ("customer", "Danke!"),
    ]  # fmt: skip


def shipping_es(r: random.Random) -> list[tuple[str, str]]:
    country = r.choice(["Portugal", "Francia", "Italia", "Alemania"])
    return [
        ("customer", f"¿Cuánto cuesta el envío a {country} y cuánto tarda?"),
        ("agent", f"El envío estándar a {country} cuesta {r.randint(5, 12)},90 EUR y tarda "
                  f"{r.randint(3, 6)} días laborables."),
    ]  # fmt: skip


def payment_es(r: random.Random) -> list[tuple[str, str]]:
    method = r.choice(["Bizum", "PayPal", "transferencia bancaria"])
    return [
        ("customer", f"¿Puedo pagar con {method}?"),
        ("agent", f"Sí, {method} está disponible al finalizar la compra."),
    ]


def details_fr(r: random.Random) -> list[tuple[str, str]]:
    model = r.choice(PRODUCTS)[1]
    return [
        ("customer", f"Le modèle {model} existe-t-il en blanc ?"),
        ("agent", f"Oui, le {model} existe en blanc, en noir et en vert sauge."),
        ("customer", "Merci !"),
    ]


def showroom_fr(r: random.Random) -> list[tuple[str, str]]:
    return [
        ("customer", "Avez-vous un magasin à Lyon pour voir les canapés ?"),
        ("agent", "Oui, notre showroom de Lyon est ouvert du mardi au samedi, de 10 h à 18 h."),
    ]


FAMILIES = [
    Family("opening_hours", "en", opening_hours),
    Family("stock", "en", stock),
    Family("product_details", "en", product_details),
    Family("order_status", "en", order_status),
    Family("invoice_copy", "en", invoice_copy),
    Family("payment_methods", "en", payment_methods),
    Family("shipping_costs", "en", shipping_costs),
    Family("account_settings", "en", account_settings),
    Family("feature_request", "en", feature_request),
    Family("compliment", "en", compliment),
    Family("showroom", "en", showroom),
    Family("wholesale", "en", wholesale),
    Family("care_instructions", "en", care_instructions),
    Family("gift_wrap", "en", gift_wrap),
    Family("size_advice", "en", size_advice),
    Family("delivery_slot", "en", delivery_slot),
    Family("plan_choice", "en", trial),
    Family("stock", "de", stock_de),
    Family("opening_hours", "de", hours_de),
    Family("shipping_costs", "es", shipping_es),
    Family("payment_methods", "es", payment_es),
    Family("product_details", "fr", details_fr),
    Family("showroom", "fr", showroom_fr),
]


def generate(count: int, seed: int, taken_names: set[str]) -> list[dict[str, Any]]:
    r = random.Random(seed)
    rows = []
    for number in range(1, count + 1):
        family = r.choice(FAMILIES)
        while True:
            name = f"{r.choice(FIRST_NAMES)} {r.choice(LAST_NAMES)}"
            if normalised(name) not in taken_names:
                break
        turns = family.write(r)
        if family.language == "en":
            first = name.split()[0]
            (role, opening), (agent_role, reply), *rest = turns
            greeting = r.choice(GREETINGS)
            opening = greeting + (opening[0].lower() + opening[1:] if greeting else opening)
            reply = r.choice(AGENT_OPENERS).format(first=first) + reply
            turns = [(role, opening), (agent_role, reply), *rest]
        rows.append(
            {
                "id": f"d-{number:04d}",
                "turns": [{"role": role, "text": text} for role, text in turns],
                "meta": {
                    "topic": family.topic,
                    "language": family.language,
                    "generated": True,
                    "contact": {"name": name},
                },
            }
        )
    return rows


def corpus(
    rows: list[dict[str, Any]], *, count: int, seed: int, data: Path = DATA
) -> list[dict[str, Any]]:
    """The hand-written ``rows`` (those without ``meta.generated``) followed by ``count``
    distractors; raises ``ValueError`` when one would contain an identifier query of
    ``data/queries.jsonl``."""
    written = [row for row in rows if not row.get("meta", {}).get("generated")]
    queries = load_queries(data / "queries.jsonl", graded_ids(written, data))
    identifiers = [normalised(q.query) for q in queries if q.kind == "identifier"]
    names = {
        normalised(row["meta"]["contact"]["name"]) for row in written if "contact" in row["meta"]
    }
    distractors = generate(count, seed, names | set(identifiers))
    for row in distractors:
        text = normalised(" ".join(turn["text"] for turn in row["turns"]))
        clash = [i for i in identifiers if i in text]
        if clash:
            raise ValueError(f"{row['id']} contains identifier queries {clash}")
    return written + distractors


def graded_ids(written: list[dict[str, Any]], data: Path) -> set[str]:
    """What a query may grade: the written conversations and ``data``'s articles, if any."""
    articles = data / "documents.jsonl"
    documents = read_rows(articles) if articles.exists() else []
    return {str(row["id"]) for row in written + documents}


def read_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--data", type=Path, default=DATA, help="the corpus directory (conversations, queries)"
    )
    args = parser.parse_args(argv)
    path = args.data / "conversations.jsonl"
    rows = corpus(read_rows(path), count=args.count, seed=args.seed, data=args.data)
    with path.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    generated = sum(1 for row in rows if row["meta"].get("generated"))
    print(f"{len(rows) - generated} written by hand + {generated} generated → {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
