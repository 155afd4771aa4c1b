import { registry } from "@web/core/registry";

// Set up by TestPayrollTour. The admin reads Xero Payroll, confirms a proposal, matches an employee by hand,
// then maps ordinary time to an earnings rate in Settings, and a project to another.
registry.category("web_tour.tours").add("xero_payroll_matching", {
    steps: () => [
        {
            content: "Read the employees of Xero Payroll",
            trigger: ".o_control_panel button[name=action_xero_payroll_refresh]",
            run: "click",
        },
        {
            content: "Bridget is proposed by her name",
            trigger: ".o_data_row:contains(Bridget Lowe):contains(Same name)",
        },
        {
            content: "Confirm Bridget",
            trigger: ".o_data_row:contains(Bridget Lowe) .o_field_widget[name=confirmed] input",
            run: "click",
        },
        {
            content: "Bridget confirmed",
            trigger: ".o_data_row:contains(Bridget Lowe) .o_field_widget[name=confirmed] input:checked",
        },
        {
            content: "Charles has no proposal: choose his Odoo employee",
            trigger: ".o_data_row:contains(Charles Okafor) .o_data_cell[name=employee_id]",
            run: "click",
        },
        {
            content: "Type his Odoo name",
            trigger: ".o_data_row:contains(Charles Okafor) .o_field_widget[name=employee_id] input",
            run: "edit Chuck",
        },
        {
            content: "Pick Chuck Okafor",
            trigger: ".o-autocomplete--dropdown-item:contains(Chuck Okafor)",
            run: "click",
        },
        {
            content: "Save the row",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Charles matched and confirmed",
            trigger:
                ".o_data_row:not(.o_selected_row):contains(Charles Okafor):contains(Chuck Okafor) .o_field_widget[name=confirmed] input:checked",
        },
    ],
});

registry.category("web_tour.tours").add("xero_payroll_mapping", {
    steps: () => [
        {
            content: "Ordinary time: type the earnings rate",
            trigger: ".o_field_widget[name=xero_payroll_ordinary_rate_id] input",
            run: "edit Ordinary",
        },
        {
            content: "Pick Ordinary Hours, read from Xero",
            trigger: ".o-autocomplete--dropdown-item:contains(Ordinary Hours)",
            run: "click",
        },
        {
            content: "Save the settings (Odoo reloads the page after saving settings)",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "Saved: the reloaded settings show it",
            trigger: ".o_field_widget[name=xero_payroll_ordinary_rate_id] input:value(Ordinary Hours)",
        },
        {
            content: "Open the earnings rates per project or task",
            trigger: "button[name=action_xero_payroll_rates]",
            run: "click",
        },
        {
            content: "Add a mapping",
            trigger: ".o_control_panel .o_list_button_add",
            run: "click",
        },
        {
            content: "Type the project",
            trigger: ".o_selected_row .o_field_widget[name=project_id] input",
            run: "edit Site Works",
        },
        {
            content: "Pick Site Works",
            trigger: ".o-autocomplete--dropdown-item:contains(Site Works)",
            run: "click",
        },
        {
            content: "Type the earnings rate",
            trigger: ".o_selected_row .o_field_widget[name=rate_id] input",
            run: "edit Overtime",
        },
        {
            content: "Pick Overtime Hours",
            trigger: ".o-autocomplete--dropdown-item:contains(Overtime Hours)",
            run: "click",
        },
        {
            content: "Save the mapping",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "Site Works goes to Overtime Hours",
            trigger: ".o_data_row:not(.o_selected_row):contains(Site Works):contains(Overtime Hours)",
        },
    ],
});
