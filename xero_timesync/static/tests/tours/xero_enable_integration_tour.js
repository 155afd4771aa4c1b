import { registry } from "@web/core/registry";

// The admin's journey. Between "Connect to Xero" and the accounts step the browser is on Xero's
// (the sandbox's) consent page, where the test's scripted user clicks "Allow access".
registry.category("web_tour.tours").add("xero_enable_integration", {
    steps: () => [
        {
            content: "The Xero settings offer to enable the integration",
            trigger: ".o_setting_box button[name=action_xero_enable]",
            run: "click",
        },
        {
            content: "The wizard explains what Connect to Xero does",
            trigger: ".modal [name=connect_step]:contains(Allow access)",
        },
        {
            content: "Connect to Xero",
            trigger: ".modal button[name=action_connect]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Back from Xero: Settings → Xero is behind the wizard, not an empty page",
            trigger: ".o_action_manager .app_settings_block[data-key=xero_timesync] .o_setting_box button[name=action_xero_enable]",
        },
        {
            content: "Back from Xero: choose the accounts",
            trigger: ".modal [name=accounts_step] .o_field_widget[name=revenue_line_id] input",
        },
        {
            content: "A revenue account is preselected",
            trigger: ".modal .o_field_widget[name=revenue_line_id] input:value(/\\S/)",
        },
        {
            content: "Next: review the contacts",
            trigger: ".modal button[name=action_review]",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".modal:has([name=review_step]) button[name=action_save]",
            run: "click",
        },
        {
            content: "The first import's outcome is shown",
            trigger: ".modal [name=done_step] .alert-success:contains(created)",
        },
        {
            content: "Close the wizard",
            trigger: ".modal .modal-footer button:contains(Close)",
            run: "click",
        },
        {
            content: "Settings → Xero shows the connection (no blank screen)",
            trigger:
                "body:not(:has(.modal)) .app_settings_block[data-key=xero_timesync] .o_field_widget[name=xero_tenant_name]:contains(Demo)",
        },
        {
            content: "with its last sync",
            trigger: ".app_settings_block[data-key=xero_timesync] button[name=action_xero_force_sync]",
        },
    ],
});

// The same journey, ending on the Xero project from the wizard's last step.
registry.category("web_tour.tours").add("xero_enable_integration_open_project", {
    steps: () => [
        {
            content: "Enable integration",
            trigger: ".o_setting_box button[name=action_xero_enable]",
            run: "click",
        },
        {
            content: "Connect to Xero",
            trigger: ".modal button[name=action_connect]",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Save the preselected accounts",
            trigger: ".modal [name=accounts_step] .o_field_widget[name=revenue_line_id] input:value(/\\S/)",
        },
        {
            content: "Next: review the contacts",
            trigger: ".modal button[name=action_review]",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".modal:has([name=review_step]) button[name=action_save]",
            run: "click",
        },
        {
            content: "Open the Xero project",
            trigger: ".modal button[name=action_open_project]",
            run: "click",
        },
        {
            content: "Tasks appear, one per Xero contact",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]",
        },
    ],
});
