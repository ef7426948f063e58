"""The demo's Help Center: two portals of account 1, 40 articles in English, German,
Spanish and French over several categories; 36 published, 2 drafts and 2 archived (which
the sync keeps out of search)."""

from __future__ import annotations

from parley_simulator.help_center import BASE_TIME, Article, HelpCenter, Portal

# (portal, locale, category, title, what the article says)
_ARTICLES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "support",
        "en",
        "Billing",
        "I was charged twice for one order",
        "A duplicate charge is usually a card authorisation that your bank releases within five "
        "business days. If both charges are still there after that, we refund the second one "
        "in full: send us the order number and the last four digits of the card.",
    ),
    (
        "support",
        "en",
        "Billing",
        "How refunds work",
        "Refunds go back to the original payment method. Cards take three to five business "
        "days, PayPal one day, bank transfers up to ten days. You get an e-mail when we issue it.",
    ),
    (
        "support",
        "en",
        "Billing",
        "Changing the card on your subscription",
        "Open Account, then Billing, and choose Update card. The new card is charged at the next "
        "renewal; a failed renewal is retried three times over a week.",
    ),
    (
        "support",
        "en",
        "Billing",
        "Invoices and VAT",
        "Every invoice is in Account, Billing, Invoices as a PDF. Add your VAT number before "
        "paying: we cannot change the VAT on an invoice that was already issued.",
    ),
    (
        "support",
        "en",
        "Shipping",
        "My parcel has not arrived",
        "Check the tracking link in your shipping e-mail first. If the parcel shows as delivered "
        "but you do not have it, wait one working day and ask your neighbours; then contact us "
        "and we open an investigation with the carrier or send a replacement.",
    ),
    (
        "support",
        "en",
        "Shipping",
        "Delivery times by country",
        "Germany and Austria: one to two working days. The rest of the EU: three to five. The "
        "United Kingdom and Switzerland: five to seven, customs included.",
    ),
    (
        "support",
        "en",
        "Shipping",
        "Changing the delivery address",
        "You can change the address until the order is packed, usually within two hours of "
        "ordering. After that, ask the carrier to redirect the parcel from the tracking page.",
    ),
    (
        "support",
        "en",
        "Returns",
        "Returning a product",
        "You have 30 days to return any product in its original packaging. Print the prepaid "
        "label from your order page; the refund starts when the warehouse scans the parcel.",
    ),
    (
        "support",
        "en",
        "Returns",
        "A product arrived broken",
        "Take a photo of the damage and of the box, and send them to us within 14 days. We ship "
        "a replacement at once; you do not need to return the broken item.",
    ),
    (
        "support",
        "en",
        "Account",
        "Resetting your password",
        "Choose Forgot password on the login page and enter your e-mail address. The reset "
        "e-mail arrives within a few minutes; check your spam folder, and add "
        "noreply@shop.example to your contacts if it never comes.",
    ),
    (
        "support",
        "en",
        "Account",
        "Two-factor authentication",
        "Turn on two-factor authentication in Account, Security. Keep the recovery codes: "
        "support cannot switch it off for you without proof of identity.",
    ),
    (
        "support",
        "en",
        "Account",
        "Deleting your account",
        "Account, Privacy, Delete account removes your profile and order history within 30 "
        "days. Invoices are kept for ten years, as tax law requires.",
    ),
    (
        "support",
        "en",
        "Policies",
        "Warranty policy",
        "Every device has a two-year warranty from the delivery date. The warranty covers "
        "manufacturing defects, not drops, water damage or batteries past 500 charge cycles.",
    ),
    (
        "support",
        "en",
        "Policies",
        "Price match promise",
        "If you find the same product cheaper at a German retailer within 14 days of buying, we "
        "refund the difference. Marketplace sellers and flash sales do not count.",
    ),
    (
        "support",
        "en",
        "Policies",
        "Privacy and your data",
        "We keep order data for as long as the law requires and never sell it. You can ask for "
        "a copy of everything we hold about you from Account, Privacy.",
    ),
    (
        "support",
        "en",
        "Billing",
        "Payment failed at checkout",
        "A payment fails when the bank declines 3-D Secure, the card has expired or the billing "
        "address differs. Try again with the exact address your bank has.",
    ),
    (
        "support",
        "en",
        "Account",
        "Changing your e-mail address",
        "Change it in Account, Profile; we send a confirmation link to the new address and the "
        "change takes effect once you open it.",
    ),
    (
        "support",
        "en",
        "Shipping",
        "Customs fees for non-EU orders",
        "Orders to Switzerland, Norway and the United Kingdom are shipped duties paid: the price "
        "you see includes customs fees, and the carrier will not ask you for more.",
    ),
    (
        "support",
        "en",
        "Policies",
        "Gift cards",
        "Gift cards are valid for three years and can be combined with any payment method. A "
        "lost gift card code can be resent from the order that bought it.",
    ),
    (
        "support",
        "en",
        "Returns",
        "Exchanging for another size",
        "Start a return and choose Exchange: we reserve the new size and ship it as soon as the "
        "first parcel is on its way back.",
    ),
    (
        "support",
        "de",
        "Abrechnung",
        "Doppelte Abbuchung",
        "Eine doppelte Abbuchung ist meist eine Vormerkung Ihrer Bank, die nach fünf Werktagen "
        "verschwindet. Bleibt sie bestehen, erstatten wir den zweiten Betrag vollständig.",
    ),
    (
        "support",
        "de",
        "Abrechnung",
        "Rückerstattung",
        "Die Rückerstattung erfolgt auf das ursprüngliche Zahlungsmittel, bei Karten in drei bis "
        "fünf Werktagen, bei Überweisung in bis zu zehn Tagen.",
    ),
    (
        "support",
        "de",
        "Versand",
        "Mein Paket ist nicht angekommen",
        "Prüfen Sie zuerst die Sendungsverfolgung. Steht das Paket als zugestellt, fragen Sie "
        "bei Nachbarn nach; danach starten wir einen Nachforschungsauftrag.",
    ),
    (
        "support",
        "de",
        "Rücksendung",
        "Defektes Produkt zurücksenden",
        "Schicken Sie uns innerhalb von 14 Tagen ein Foto des Schadens. Wir senden sofort Ersatz; "
        "das defekte Produkt müssen Sie nicht zurückschicken.",
    ),
    (
        "support",
        "de",
        "Konto",
        "Passwort zurücksetzen",
        "Wählen Sie auf der Anmeldeseite Passwort vergessen. Die E-Mail kommt in wenigen "
        "Minuten; sehen Sie auch im Spam-Ordner nach.",
    ),
    (
        "support",
        "de",
        "Richtlinien",
        "Garantiebedingungen",
        "Alle Geräte haben zwei Jahre Garantie ab Lieferung, für Herstellungsfehler, nicht für "
        "Sturz- oder Wasserschäden.",
    ),
    (
        "support",
        "es",
        "Facturación",
        "Me cobraron dos veces",
        "Un cargo duplicado suele ser una autorización que el banco libera en cinco días "
        "hábiles. Si sigue después, reembolsamos el segundo cargo.",
    ),
    (
        "support",
        "es",
        "Envíos",
        "Mi paquete no ha llegado",
        "Revisa primero el enlace de seguimiento. Si figura como entregado y no lo tienes, "
        "abrimos una investigación con el transportista o enviamos otro.",
    ),
    (
        "support",
        "es",
        "Devoluciones",
        "Devolver un producto",
        "Tienes 30 días para devolver cualquier producto con la etiqueta prepagada de tu pedido.",
    ),
    (
        "support",
        "fr",
        "Facturation",
        "J'ai été débité deux fois",
        "Un double débit est souvent une pré-autorisation que votre banque annule sous cinq "
        "jours ouvrés. Sinon, nous remboursons le second débit.",
    ),
    (
        "support",
        "fr",
        "Livraison",
        "Mon colis n'est pas arrivé",
        "Consultez d'abord le suivi. S'il est indiqué livré, nous ouvrons une enquête auprès du "
        "transporteur ou envoyons un remplacement.",
    ),
    (
        "support",
        "fr",
        "Retours",
        "Retourner un produit",
        "Vous avez 30 jours pour retourner un produit avec l'étiquette prépayée de votre commande.",
    ),
    (
        "developers",
        "en",
        "API",
        "Authenticating API requests",
        "Send your API key in the Authorization header as a bearer token. Keys are per "
        "workspace; rotate them in Settings, API keys. A revoked key answers 401 at once.",
    ),
    (
        "developers",
        "en",
        "API",
        "Rate limits",
        "The API allows 600 requests a minute per key. Past it you get 429 with a Retry-After "
        "header: wait that many seconds before trying again.",
    ),
    (
        "developers",
        "en",
        "Webhooks",
        "Verifying webhook signatures",
        "Every webhook carries an X-Signature header: an HMAC-SHA256 of the timestamp and the "
        "raw body with your webhook secret. Compare in constant time and reject old timestamps.",
    ),
    (
        "developers",
        "en",
        "Errors",
        "Error 0x80070005 when installing the desktop app",
        "0x80070005 means access denied: the installer lacks rights to the program folder. Run "
        "it as an administrator, or install for the current user only.",
    ),
    (
        "developers",
        "en",
        "Webhooks",
        "Webhook retries",
        "A webhook that does not answer 2xx within five seconds is retried four times with "
        "exponential backoff over an hour, then dropped.",
    ),
    (
        "developers",
        "en",
        "API",
        "Pagination",
        "List endpoints return 25 items a page; pass page=N. The response's meta holds the "
        "total count.",
    ),
    (
        "developers",
        "en",
        "API",
        "Sandbox environment",
        "Use sandbox.example for tests: payments never settle and e-mails are not sent.",
    ),
    (
        "developers",
        "en",
        "API",
        "API versioning",
        "Breaking changes come with a new major version in the path; old versions live for a "
        "year after the next one ships.",
    ),
)
_DRAFTS = {"Sandbox environment", "Exchanging for another size"}
_ARCHIVED = {"API versioning", "Gift cards"}


def _markdown(title: str, text: str) -> str:
    first, _, rest = text.partition(". ")
    body = f"{first}." if rest else first
    more = f"\n\n## Details\n\n{rest}" if rest else ""
    return f"# {title}\n\n{body}{more}\n"


def demo_help_center(account_id: int = 1) -> HelpCenter:
    """The demo's Help Center; article ids 1..40, each updated an hour after the previous."""
    articles = [
        Article(
            id=number,
            portal=portal,
            title=title,
            content=_markdown(title, text),
            category=category,
            locale=locale,
            status="draft"
            if title in _DRAFTS
            else "archived"
            if title in _ARCHIVED
            else "published",
            updated_at=BASE_TIME + number * 3600,
            tags=(category.lower(),),
        )
        for number, (portal, locale, category, title, text) in enumerate(_ARTICLES, start=1)
    ]
    portals = [Portal("support", "Help Center"), Portal("developers", "Developer docs")]
    return HelpCenter(account_id=account_id, portals=portals, articles=articles)
