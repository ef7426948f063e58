"""The demo's two uploaded documents, built when asked (no binary file in the repository):
a PDF made with ``fpdf2`` (two pages of text, one heading each) and a Markdown file."""

from __future__ import annotations

from fpdf import FPDF

PDF_NAME = "returns-policy.pdf"
MARKDOWN_NAME = "onboarding-procedure.md"

_PDF_PAGES = (
    (
        "Returns and warranty policy",
        "Customers may return any product within 30 days of delivery for a full refund. The "
        "product must be in its original packaging. Refunds are issued to the original "
        "payment method within five business days of the warehouse receiving the parcel.",
    ),
    (
        "Warranty claims",
        "Every device carries a two-year warranty against manufacturing defects. To claim, "
        "the customer sends a photo of the defect and the order number; we ship a "
        "replacement before the faulty unit comes back. Accidental damage is not covered.",
    ),
)

MARKDOWN = """# Onboarding a new business customer

## Before the first call

Check that the customer's VAT number is valid in VIES and that the billing address matches
the company register. Create the workspace with the plan they signed.

## The first call

Walk them through single sign-on, invite their administrators, and agree on a named contact
for invoices. Send the summary e-mail the same day.

## After thirty days

Review their usage with them: seats in use, tickets opened and open invoices. Offer the
annual plan when more than twenty seats are active.
"""


def demo_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(auto=True, margin=15)
    for heading, text in _PDF_PAGES:
        pdf.add_page()
        pdf.start_section(heading)  # a bookmark: the heading a PDF reader (and Parley) sees
        pdf.set_font("Helvetica", style="B", size=16)
        pdf.multi_cell(0, 10, heading)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())
