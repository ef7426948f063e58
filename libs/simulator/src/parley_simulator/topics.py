"""What customers write about, and how agents answer: the texts of the demo corpus.

Each topic has openers (with ``{order}``, ``{code}``, ``{product}``, ``{plan}`` slots),
follow-ups, agent replies that solve the problem, and private notes. A few topics also have
German, Spanish and French versions, so multilingual search has something to find.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Topic:
    name: str
    openers: tuple[str, ...]
    follow_ups: tuple[str, ...]
    replies: tuple[str, ...]
    notes: tuple[str, ...]


PRODUCTS = ("Aurora desk lamp", "Nimbus headphones", "Orbit smart speaker", "Terra backpack")
PLANS = ("Starter", "Team", "Business")

TOPICS: tuple[Topic, ...] = (
    Topic(
        "billing",
        (
            "I was charged twice for my {plan} subscription this month, can you check?",
            "My card statement shows two payments for invoice {order}. Why?",
            "The invoice {order} has the wrong VAT number on it, I need a corrected one.",
            "Why did my bill go up? I am still on the {plan} plan.",
        ),
        (
            "The duplicate charge is still pending on my bank app.",
            "Can you send the corrected invoice to our accounting address?",
        ),
        (
            "Sorry about that! The second charge was a failed retry; I refunded it, it will show in 3-5 business days.",
            "I've issued a corrected invoice {order} with your VAT number, you'll find it under Billing > Invoices.",
            "The price change comes from the extra seats added last week; I prorated it for you.",
        ),
        (
            "Duplicate charge caused by the payment gateway retry bug, refunded via Stripe.",
            "Customer on legacy pricing, do not migrate plan without approval.",
        ),
    ),
    Topic(
        "shipping",
        (
            "My order {order} still hasn't arrived, tracking shows no update for a week.",
            "The tracking link for order {order} says the parcel was delivered, but I got nothing.",
            "Can I change the delivery address for order {order}? I'm moving.",
            "How long does shipping to Canada take for the {product}?",
        ),
        (
            "The courier says the parcel is at a pickup point but I don't know which one.",
            "It is a gift, it has to arrive before Friday.",
        ),
        (
            "I contacted the carrier: your parcel was held at the depot, it will be delivered tomorrow.",
            "I've opened a lost-parcel claim and shipped a replacement {product} by express.",
            "The address is updated for order {order}; the label hadn't been printed yet.",
        ),
        ("Carrier claim opened, reference in the shipping sheet.",),
    ),
    Topic(
        "refunds",
        (
            "I want to return the {product}, it's not what I expected. How do I get a refund?",
            "I returned order {order} two weeks ago and still haven't received my money back.",
            "The {product} arrived broken, I'd like a refund please.",
        ),
        (
            "Do I have to pay for the return shipping?",
            "I sent photos of the damage yesterday.",
        ),
        (
            "I've created a prepaid return label for you; the refund is issued as soon as the warehouse scans it.",
            "Your refund for order {order} was processed today, banks usually need 5-7 days.",
            "No need to send it back: I refunded the broken {product} in full.",
        ),
        ("Refund approved above the 30-day window as a goodwill gesture.",),
    ),
    Topic(
        "login",
        (
            "I can't log in, the password reset email never arrives.",
            "Two-factor codes are always rejected, I get error {code} after entering them.",
            "My account got locked after too many login attempts.",
            "The login page just reloads when I press sign in.",
        ),
        (
            "I checked spam already, nothing there.",
            "The clock on my phone is set automatically.",
        ),
        (
            "Our mail provider was blocking your domain; I whitelisted it, please request a new reset link.",
            "The 2FA app was out of sync: I reset two-factor authentication, you can enrol again at next login.",
            "I unlocked your account. Clearing cookies fixes the reload loop on the login page.",
        ),
        ("Known issue with Outlook safe links consuming the reset token.",),
    ),
    Topic(
        "bugs",
        (
            "The app crashes with error {code} when I export a report to PDF.",
            "Since the last update, the dashboard shows a blank page in Safari.",
            "Syncing fails with error {code} and nothing is saved.",
            "The CSV import cuts off names with accents like José or Zoë.",
        ),
        (
            "It happens every time, on two different computers.",
            "I attached a screenshot of the console.",
        ),
        (
            "Thanks for the report! Engineering confirmed the {code} crash; a fix ships in version 4.2.1 tomorrow.",
            "The blank dashboard is a Safari cache problem; a hard refresh fixes it while we deploy the patch.",
            "The import bug with accented names is fixed; please re-run the import.",
        ),
        ("Linked to engineering ticket; affected customers list updated.",),
    ),
    Topic(
        "account",
        (
            "How do I add a new team member to our {plan} workspace?",
            "Please delete my account and all my data.",
            "Can I transfer ownership of the workspace to my colleague?",
        ),
        ("We are on the {plan} plan if that matters.",),
        (
            "Go to Settings > Members > Invite; on the {plan} plan you have 3 free seats left.",
            "Your account deletion is scheduled; all personal data is removed within 30 days.",
            "Ownership is transferred, your colleague now has the owner role.",
        ),
        ("GDPR deletion request logged.",),
    ),
    Topic(
        "integrations",
        (
            "The Slack integration stopped posting notifications yesterday.",
            "Our API calls return 429 Too Many Requests since this morning.",
            "The webhook to our CRM fails with error {code}.",
        ),
        ("We did not change anything on our side.",),
        (
            "Slack revoked the token after a permission change; reconnecting the integration fixes it.",
            "You hit the rate limit of the {plan} plan: 600 requests per minute. Batching the calls helps.",
            "Your CRM endpoint rejected our TLS certificate chain; updating its CA bundle resolves {code}.",
        ),
        ("Customer asked for a higher API rate limit, forwarded to sales.",),
    ),
)

# Same problems, other languages (German, Spanish, French).
FOREIGN_TOPICS: dict[str, tuple[Topic, ...]] = {
    "de": (
        Topic(
            "refunds",
            ("Ich möchte eine Rückerstattung für die Bestellung {order}, das Produkt ist defekt.",),
            ("Muss ich die Rücksendung selbst bezahlen?",),
            (
                "Die Rückerstattung für Bestellung {order} ist veranlasst, das Geld ist in 5 Tagen auf Ihrem Konto.",
            ),
            ("Kulanz-Erstattung genehmigt.",),
        ),
        Topic(
            "shipping",
            ("Meine Bestellung {order} ist immer noch nicht angekommen.",),
            ("Die Sendungsverfolgung zeigt seit Tagen nichts Neues.",),
            ("Das Paket lag im Depot des Zustellers, es wird morgen geliefert.",),
            ("Reklamation beim Zusteller eröffnet.",),
        ),
    ),
    "es": (
        Topic(
            "login",
            ("No puedo iniciar sesión, el correo para restablecer la contraseña nunca llega.",),
            ("Ya revisé la carpeta de spam.",),
            (
                "Nuestro proveedor de correo bloqueaba su dominio; ya está resuelto, pida un nuevo enlace.",
            ),
            ("Problema conocido con el filtro de correo.",),
        ),
        Topic(
            "billing",
            ("Me cobraron dos veces la suscripción {plan} este mes.",),
            ("El segundo cargo sigue pendiente en mi banco.",),
            ("El segundo cargo fue un reintento fallido; ya lo reembolsé.",),
            ("Reembolso del cargo duplicado hecho.",),
        ),
    ),
    "fr": (
        Topic(
            "bugs",
            ("L'application plante avec l'erreur {code} quand j'exporte un rapport en PDF.",),
            ("Cela arrive à chaque fois.",),
            (
                "Merci ! Le correctif pour l'erreur {code} sera publié demain dans la version 4.2.1.",
            ),
            ("Ticket lié à l'équipe technique.",),
        ),
    ),
}

ERROR_CODES = ("E-4031", "E-5120", "0x80070005", "SYNC-409", "ERR_TLS_CERT")
