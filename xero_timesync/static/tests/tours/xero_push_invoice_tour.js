import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("xero_timesync_push_invoice", {
    steps: () => [
        {
            content: "Push the posted invoice to Xero",
            trigger: ".o_form_view button[name='action_xero_push']",
            run: "click",
        },
        {
            content: "The invoice links to Xero with Xero's number",
            trigger: ".o_form_view button.o_xero_open .o_stat_value:contains('INV-')",
        },
        {
            content: "Push to Xero is gone once the invoice is in Xero",
            trigger: ".o_form_view:not(:has(button[name='action_xero_push']))",
        },
    ],
});
