/** @odoo-module **/

import { registry } from "@web/core/registry";

// The date `days` days from today, as a date input takes it (YYYY-MM-DD).
function isoDate(days) {
    const day = new Date();
    day.setDate(day.getDate() + days);
    const pad = (number) => String(number).padStart(2, "0");
    return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`;
}

// A step that posts a form loads a new page: Odoo 19.0 stops a tour at a page
// change unless the step expects it (expectUnloadPage); the 18.0 of 2024 knows
// no such key and refuses it (the 18.0 of 2025 takes it, and needs it not).
function postsTheForm() {
    return odoo.loader.modules.has("@web_tour/js/tour_service") ? { expectUnloadPage: true } : {};
}

// The anonymous customer, on the reminder's page opened from its email: promises
// a date for the first invoice, disputes the second and asks for a call.
registry.category("web_tour.tours").add("invoice_reminders_answer_tour", {
    steps: () => [
        {
            content: "The reminder's page lists the invoices",
            trigger: ".o_invoice_reminder_invoices tbody tr:nth-child(2)",
        },
        {
            content: "Promise: the first invoice",
            trigger: ".o_invoice_reminder_promise select[name='move']",
            run: "selectByIndex 1",
        },
        {
            content: "Promise: a date in ten days",
            trigger: ".o_invoice_reminder_promise input[name='date']",
            run() {
                this.anchor.value = isoDate(10);
            },
        },
        {
            content: "Promise to pay",
            trigger: ".o_invoice_reminder_promise button[type='submit']",
            run: "click",
            ...postsTheForm(),
        },
        {
            content: "The promise is recorded and shown",
            trigger: ".o_invoice_reminder_answer:contains('Promise to pay')",
        },
        {
            content: "Dispute: the second invoice",
            trigger: ".o_invoice_reminder_dispute select[name='move']",
            run: "selectByIndex 2",
        },
        {
            content: "Dispute: the reason",
            trigger: ".o_invoice_reminder_dispute select[name='reason']",
            run: "select amount",
        },
        {
            content: "Dispute: a comment",
            trigger: ".o_invoice_reminder_dispute textarea[name='comment']",
            run: "edit Three units invoiced, two delivered.",
        },
        {
            content: "Dispute",
            trigger: ".o_invoice_reminder_dispute button[type='submit']",
            run: "click",
            ...postsTheForm(),
        },
        {
            content: "The dispute is recorded and shown",
            trigger: ".o_invoice_reminder_answer:contains('Dispute')",
        },
        {
            content: "Call: the phone number",
            trigger: ".o_invoice_reminder_call input[name='phone']",
            run: "edit +32 2 555 01 99",
        },
        {
            content: "Call: a preferred time",
            trigger: ".o_invoice_reminder_call input[name='call_time']",
            run: "edit Tuesday morning",
        },
        {
            content: "Ask for a call",
            trigger: ".o_invoice_reminder_call button[type='submit']",
            run: "click",
            ...postsTheForm(),
        },
        {
            content: "The call request is recorded and shown",
            trigger: ".o_invoice_reminder_answer:contains('Call requested')",
        },
    ],
});
