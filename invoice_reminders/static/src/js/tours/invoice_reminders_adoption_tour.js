/** @odoo-module **/

import { registry } from "@web/core/registry";

// An accountant adopts the add-on: from the settings, opens the activation
// wizard, includes every open invoice, looks at the first run, confirms.
registry.category("web_tour.tours").add("invoice_reminders_activation_tour", {
    steps: () => [
        {
            content: "Reminders are off: the policy offers to activate them",
            trigger: "button.o_invoice_reminder_activate",
            run: "click",
        },
        {
            content: "The wizard lists the customer with open invoices",
            trigger: ".o_invoice_reminder_activation .o_data_row:contains('TOUR Alpha')",
        },
        {
            content: "Include all open invoices",
            trigger: ".o_invoice_reminder_activation input[data-value='all']",
            run: "click",
        },
        {
            content: "Both invoices are now included",
            trigger: ".o_invoice_reminder_activation div[name='selected_count']:contains('2')",
        },
        {
            content: "Preview the first run",
            trigger: "button.o_invoice_reminder_activation_preview",
            run: "click",
        },
        {
            content: "Open the first run's tab",
            // once the wizard is back with its preview (the dialog is opened anew)
            trigger:
                ".o_invoice_reminder_activation:has(.o_invoice_reminder_activation_previewed) .o_notebook_headers a:contains('First Run')",
            run: "click",
        },
        {
            content: "The first run reminds the customer",
            trigger:
                ".o_invoice_reminder_activation div[name='preview_line_ids'] .o_data_row:contains('TOUR Alpha')",
        },
        {
            content: "Confirm and switch reminders on",
            trigger: "button.o_invoice_reminder_activation_confirm",
            run: "click",
        },
        {
            content: "Yes, switch them on",
            trigger: ".modal:contains('switch reminders on?') .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "The preview of the next run opens",
            trigger: ".o_invoice_reminder_preview .o_data_row:contains('TOUR Alpha')",
        },
    ],
});

// From a policy, see what the next run will send and open one customer's email.
registry.category("web_tour.tours").add("invoice_reminders_preview_tour", {
    steps: () => [
        {
            content: "Preview the next run of the policy",
            trigger: "button.o_invoice_reminder_preview_button",
            run: "click",
        },
        {
            content: "The customer to remind is listed with its level",
            trigger: ".o_invoice_reminder_preview .o_data_row:contains('TOUR Beta'):contains('First reminder')",
        },
        {
            content: "The customer without an address is in the skipped tab",
            trigger: ".o_invoice_reminder_preview .o_notebook_headers a:contains('Skipped')",
            run: "click",
        },
        {
            content: "Skipped, with the reason",
            trigger: ".o_invoice_reminder_preview .o_data_row:contains('TOUR Nomail'):contains('No email address')",
        },
        {
            content: "Back to the reminders",
            trigger: ".o_invoice_reminder_preview .o_notebook_headers a:contains('Reminders')",
            run: "click",
        },
        {
            content: "Open the email the customer will receive",
            trigger: ".o_invoice_reminder_preview .o_data_row:contains('TOUR Beta') button[name='action_open']",
            run: "click",
        },
        {
            content: "The email as it will be sent, with its subject",
            trigger: ".modal div[name='subject']:contains('payment reminder')",
        },
        {
            content: "Its invoices",
            trigger: ".modal .o_notebook_headers a:contains('Invoices')",
            run: "click",
        },
        {
            content: "The overdue invoice and its amount",
            trigger: ".modal .o_data_row:contains('4,321.00')",
        },
        {
            content: "Close it",
            trigger: ".modal .modal-footer button:contains('Close')",
            run: "click",
        },
        {
            content: "Back on the preview",
            trigger: ".o_invoice_reminder_preview:not(:has(.modal))",
        },
    ],
});
