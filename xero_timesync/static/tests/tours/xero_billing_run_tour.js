import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_timesync_billing_run", {
    steps: () => [
        {
            content: "A new billing run",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "From the first of March",
            trigger: ".o_field_widget[name='date_from'] input",
            run: "edit 03/01/2026",
        },
        {
            content: "To the end of March",
            trigger: ".o_field_widget[name='date_to'] input",
            run: "edit 03/31/2026",
        },
        {
            content: "Close the date picker",
            trigger: ".o_form_view .oe_title",
            run: "click",
        },
        {
            content: "Preview each client's time",
            trigger: ".o_form_view button[name='action_preview']",
            run: "click",
        },
        {
            content: "Three clients to bill",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:nth-child(3)",
        },
        {
            content: "Create every invoice",
            trigger: ".o_form_view button[name='action_create_invoices']",
            run: "click",
        },
        {
            content: "Each client has its invoice",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Invoices created')",
        },
        {
            content: "Push them all to Xero",
            trigger: ".o_form_view button[name='action_push']",
            run: "click",
        },
        {
            content: "The run is done",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Done')",
        },
        {
            content: "Each client's result: pushed",
            trigger: ".o_field_widget[name='line_ids'] .o_data_row:nth-child(3) td:contains('Pushed to Xero')",
        },
    ],
});
