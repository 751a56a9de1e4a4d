"""18.0.1.1.0: the thank-you subject names the invoices' company.

The template is ``noupdate`` data: a database installed before keeps its
subject, which named the cron user's company. Only that expression is
replaced, in every language, so that a subject a company edited keeps its
own words.
"""

OLD = "(user.company_id or object.company_id).name }}"
NEW = "ctx.get('invoice_reminders_company_name') or (object.company_id or user.company_id).name }}"


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE mail_template t
           SET subject = (
                   SELECT jsonb_object_agg(key, replace(value, %(old)s, %(new)s))
                     FROM jsonb_each_text(t.subject)
               )
          FROM ir_model_data d
         WHERE d.module = 'invoice_reminders'
           AND d.name = 'mail_template_reminder_thanks'
           AND d.model = 'mail.template'
           AND t.id = d.res_id
           AND t.subject::text LIKE %(like)s
        """,
        {"old": OLD, "new": NEW, "like": "%" + OLD.replace("_", "\\_") + "%"},
    )
