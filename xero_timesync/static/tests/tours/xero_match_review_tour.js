import { registry } from "@web/core/registry";

// The admin of a company whose customers are already in Odoo: reviews the matches before the first import,
// resolves the one conflict by picking the right client, and saves.
registry.category("web_tour.tours").add("xero_match_review", {
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
            content: "Back from Xero: the accounts are preselected",
            trigger: ".modal [name=accounts_step] .o_field_widget[name=revenue_line_id] input:value(/\\S/)",
        },
        {
            content: "Next: review the contacts",
            trigger: ".modal button[name=action_review]",
            run: "click",
        },
        {
            content: "One match, one new contact, one conflict",
            trigger: ".modal [name=review_step]:contains(1 matched):contains(1 new):contains(1 conflicts)",
        },
        {
            content: "The conflict: open its row",
            trigger: ".modal [name=conflict_line_ids] .o_data_row .o_data_cell[name=partner_id]",
            run: "click",
        },
        {
            content: "Type the client's name",
            trigger: ".modal [name=conflict_line_ids] .o_field_widget[name=partner_id] input",
            run: "edit TWIN",
        },
        {
            content: "Pick TWIN Limited among the candidates",
            trigger: ".o-autocomplete--dropdown-item:contains(TWIN Limited)",
            run: "click",
        },
        {
            content: "See the matches",
            trigger: ".modal .nav-link:contains(Matched)",
            run: "click",
        },
        {
            content: "Ana matched on her e-mail",
            trigger: ".modal [name=match_line_ids] .o_data_row:contains(Ana Trading):contains(E-mail)",
        },
        {
            content: "Save",
            trigger: ".modal:has([name=review_step]) button[name=action_save]",
            run: "click",
        },
        {
            content: "The first import says what it matched",
            trigger: ".modal [name=done_step] .alert-success:contains(2 matched)",
        },
    ],
});
