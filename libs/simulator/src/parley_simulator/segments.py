"""What AI agents write on the demo's contacts: ``custom_attributes`` and labels in two of
seed 003's use cases, e-commerce (account 1) and recruitment (account 2).

Drawn from a generator of their own per contact, so adding them changes nothing else in
the corpus. Some numbers are written as strings, as agents writing through Chatwoot's API
often do (``total_spent``, ``follower_count``), so segments meet both forms.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

ECOMMERCE_ACCOUNT = 1
RECRUITMENT_ACCOUNT = 2
SIZES = ("XS", "S", "M", "L", "XL")
PRODUCTS = ("sneakers", "jackets", "backpacks", "watches", "headphones")
SOURCES = ("instagram_dm", "website_form", "whatsapp", "referral", "instagram_scrape")
LEAD_STATUSES = ("new", "contacted", "qualified", "interview", "placed", "lost")
JOB_TYPES = ("warehouse", "logistics", "hospitality", "retail", "cleaning")
LOCATIONS = ("Amsterdam", "Rotterdam", "Utrecht", "Eindhoven", "Den Haag")
URGENCY = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class ContactProfile:
    custom_attributes: dict[str, Any]
    labels: tuple[str, ...]


def _ecommerce(rng: random.Random) -> ContactProfile:
    orders = rng.choice((0, 1, 1, 2, 3, 5, 8, 13))
    spent = round(orders * rng.uniform(25, 180), 2)
    tier = "gold" if spent > 1000 else "silver" if spent > 300 else "bronze"
    attributes: dict[str, Any] = {
        "customer_tier": tier,
        "order_count": orders,
        "total_spent": f"{spent:.2f}",  # a string, as the shop's agent writes it
        "size_preference": rng.choice(SIZES),
        "product_interest": rng.choice(PRODUCTS),
        "lead_source": rng.choice(SOURCES),
        "vip_status": tier == "gold",
    }
    labels = []
    if tier == "gold":
        labels.append("vip-customer")
    if orders >= 3:
        labels.append("repeat-buyer")
    if orders and rng.random() < 0.15:
        labels.append("at-risk")
    if rng.random() < 0.1:
        labels.append("needs-human")
    return ContactProfile(attributes, tuple(sorted(labels)))


def _recruitment(rng: random.Random) -> ContactProfile:
    status = rng.choice(LEAD_STATUSES)
    score = rng.randint(10, 99)
    followers = rng.choice((120, 850, 2400, 9800, 15000, 48000, 120000))
    urgency = rng.choice(URGENCY)
    attributes: dict[str, Any] = {
        "lead_status": status,
        "lead_source": rng.choice(SOURCES),
        "job_type_preference": rng.choice(JOB_TYPES),
        "location": rng.choice(LOCATIONS),
        "qualification_score": score,
        "follower_count": str(followers),  # scraped profiles store it as text
        "urgency_level": urgency,
        "budget_min": rng.choice((1800, 2200, 2600, 3000)),
        "ai_summary": f"{status} candidate for {rng.choice(JOB_TYPES)} work, score {score}",
    }
    labels = []
    if status in ("qualified", "interview"):
        labels.append("qualified-lead")
    if score >= 80 and status not in ("placed", "lost"):
        labels.append("hot-lead")
    if urgency == "critical" or rng.random() < 0.08:
        labels.append("needs-human")
    return ContactProfile(attributes, tuple(sorted(labels)))


def contact_profile(account_id: int, contact_id: int, seed: int) -> ContactProfile:
    """The attributes and labels of one demo contact (the same for the same arguments)."""
    rng = random.Random(f"{seed}:{account_id}:{contact_id}")
    if account_id == RECRUITMENT_ACCOUNT:
        return _recruitment(rng)
    return _ecommerce(rng)
