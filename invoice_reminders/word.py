"""The statement of overdue invoices as a Word document, with python-docx.

Plain Python, no Odoo: :func:`build` takes the statement's data (the dict
``invoice.reminder.statement`` prepares for PDF and Word alike, amounts
already formatted) and returns the ``.docx`` bytes. Each part of the page is
a step of its own, in the order of the page.
"""

import io

try:
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt
except ImportError:  # pragma: no cover - declared in external_dependencies
    docx = None


def available():
    """Whether python-docx is installed."""
    return docx is not None


def build(data):
    """The statement of ``data`` as the bytes of a Word document."""
    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(10)
    section = document.sections[0]
    section.left_margin = section.right_margin = Cm(1.5)
    section.top_margin = section.bottom_margin = Cm(1.5)
    _add_heading(document, data)
    _add_customer(document, data)
    _add_invoices_and_credits(document, data)
    # late fees and interest, when the reminder charges them
    _add_fees(document, data)
    _add_totals_and_payment(document, data)
    _add_answer_link(document, data)
    _add_signature(document, data)
    stream = io.BytesIO()
    document.save(stream)
    return stream.getvalue()


def table(document, header, rows, aligns):
    """A real Word table, filled row by row (python-docx' cell() is slow on big tables)."""
    result = document.add_table(rows=1 if header else 0, cols=len(aligns))
    result.style = "Table Grid"
    alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}
    if header:
        for cell, label, align in zip(result.rows[0].cells, header, aligns, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.add_run(label).bold = True
            paragraph.alignment = alignment[align]
    for values in rows:
        cells = result.add_row().cells
        for cell, value, align in zip(cells, values, aligns, strict=True):
            paragraph = cell.paragraphs[0]
            paragraph.add_run(value)
            paragraph.alignment = alignment[align]
    return result


def _add_heading(document, data):
    """The company's logo and address, the title, date and reference."""
    if data.get("logo"):
        document.add_paragraph().add_run().add_picture(
            io.BytesIO(data["logo"]["raw"]), height=Cm(1.5)
        )
    heading = document.add_paragraph()
    heading.add_run(data["company"]["name"]).bold = True
    for line in data["company"]["lines"]:
        heading.add_run("\n" + line)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title_run = title.add_run(data["title"])
    title_run.bold = True
    title_run.font.size = Pt(14)
    title.add_run(f"\n{data['labels']['date']}: {data['date']}")
    if data["reference"]:
        title.add_run(f"\n{data['labels']['reference']}: {data['reference']}")


def _add_customer(document, data):
    """The customer's address, the amount due and the date to pay by, the introduction."""
    customer = document.add_paragraph()
    customer.add_run(data["labels"]["customer"] + "\n").italic = True
    customer.add_run(data["customer"]["name"]).bold = True
    for line in data["customer"]["lines"]:
        customer.add_run("\n" + line)
    if data.get("amount_due"):
        due = document.add_paragraph()
        due.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        due.add_run(data["labels"]["amount_due"]).italic = True
        for row in data["amount_due"]:
            amount_run = due.add_run("\n" + row["amount"])
            amount_run.bold = True
            amount_run.font.size = Pt(13)
        if data["pay_by"]:
            due.add_run("\n" + data["labels"]["pay_by"]).bold = True
    document.add_paragraph(data["labels"]["intro"])


def _add_invoices_and_credits(document, data):
    columns = data["columns"]
    rows = [
        [row["name"], row["date"], row["date_due"], row["days_overdue"], row["amount"]]
        for row in data["invoices"]
    ]
    table(document, [c["label"] for c in columns], rows, [c["align"] for c in columns])
    if data["credits"]:
        document.add_paragraph().add_run(data["labels"]["credits"]).bold = True
        table(
            document,
            None,
            [[c["name"], c["date"], c["amount"]] for c in data["credits"]],
            ["left", "left", "right"],
        )


def _add_fees(document, data):
    """The late fees of a statement as a Word table, when it has any."""
    if not data.get("fees"):
        return
    document.add_paragraph().add_run(data["labels"]["fees"]).bold = True
    table(
        document,
        data["fee_columns"],
        [[fee["name"], fee["level"], fee["detail"], fee["amount"]] for fee in data["fees"]],
        ["left", "left", "left", "right"],
    )
    for total in data["fee_totals"]:
        document.add_paragraph(
            f"{total['currency']}: {total['label']} {total['fee']} — "
            f"{total['total_label']} {total['total']}"
        )


def _add_totals_and_payment(document, data):
    document.add_paragraph()
    totals = table(
        document,
        data["total_columns"],
        [[t["currency"], t["due"], t["credit"], t["net"]] for t in data["totals"]],
        ["right"] * 4,
    )
    totals.alignment = WD_TABLE_ALIGNMENT.RIGHT
    payment = document.add_paragraph()
    payment.add_run(data["labels"]["payment"]).bold = True
    for line in data["payment_lines"]:
        payment.add_run("\n" + line)


def _add_answer_link(document, data):
    """The link to the reminder's page, where the customer answers it."""
    if data.get("answer_link"):
        answer = document.add_paragraph()
        answer.add_run(data["answer_link"]["label"] + ": ").bold = True
        answer.add_run(data["answer_link"]["url"])


def _add_signature(document, data):
    if data["signature"] or data["stamp"]:
        foot = document.add_paragraph()
        if data["signature"]:
            foot.add_run().add_picture(io.BytesIO(data["signature"]["raw"]), width=Cm(5))
            foot.add_run("    ")
        if data["stamp"]:
            foot.add_run().add_picture(io.BytesIO(data["stamp"]["raw"]), width=Cm(3))
