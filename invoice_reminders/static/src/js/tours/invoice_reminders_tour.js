/** @odoo-module **/

import { registry } from "@web/core/registry";

// Walks the customer form as a user would: open the Invoicing tab, switch
// payment reminders off, see the dependent options disappear, save.
registry.category("web_tour.tours").add("invoice_reminders_partner_tour", {
    steps: () => [
        {
            content: "Open the Invoicing tab of the customer",
            trigger: ".o_notebook_headers a:contains('Invoicing')",
            run: "click",
        },
        {
            content: "The Payment reminders section is there, switched on",
            trigger: "div[name='reminder_enabled'] input:checked",
        },
        {
            content: "Switch payment reminders off",
            trigger: "div[name='reminder_enabled'] input",
            run: "click",
        },
        {
            content: "The per-invoice default hides with the master switch",
            trigger: ".o_form_view:not(:has(div[name='reminder_default']))",
        },
        {
            content: "Save the customer",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
    ],
});

// Toggles one invoice out of reminders with one click in the invoice list.
registry.category("web_tour.tours").add("invoice_reminders_invoice_list_tour", {
    steps: () => [
        {
            content: "The invoice is in the list with its reminder toggle on",
            trigger: ".o_data_row:contains('TOUR-INV') td[name='reminder_included'] input:checked",
        },
        {
            content: "Click the toggle",
            trigger: ".o_data_row:contains('TOUR-INV') td[name='reminder_included'] input",
            run: "click",
        },
        {
            content: "The toggle is off and stays off",
            trigger: ".o_data_row:contains('TOUR-INV') td[name='reminder_included'] input:not(:checked)",
        },
        {
            content: "No record is left dirty",
            trigger: ".o_list_view:not(:has(.o_data_row.o_selected_row))",
        },
    ],
});
