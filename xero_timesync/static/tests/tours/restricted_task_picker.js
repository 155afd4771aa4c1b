import { registry } from "@web/core/registry";

// Set up by TestAccessMatrix: the user may work on "Allowed Client Ltd" only; a colleague added the
// subtask "Allowed follow-up" later; "Other Client Ltd" and the rest of the Xero project are off limits.
const ALLOWED = ["Allowed Client Ltd", "Allowed follow-up"];
const TASK_ITEMS =
    ".o_selected_row .o_field_widget[name=task_id] .o-autocomplete--dropdown-item:not(.o_m2o_dropdown_option) > a";

registry.category("web_tour.tours").add("xero_timesync_restricted_task_picker", {
    steps: () => [
        {
            content: "My Timesheets: add a line",
            trigger: ".o_list_view .o_list_button_add",
            run: "click",
        },
        {
            content: "Type the Xero project's name",
            trigger: ".o_selected_row .o_field_widget[name=project_id] input",
            run: "edit Xero",
        },
        {
            content: "The Xero project is offered: choose it",
            trigger: ".o_selected_row .o_field_widget[name=project_id] .o-autocomplete--dropdown-item > a:contains('Xero')",
            run: "click",
        },
        {
            content: "Open the task picker",
            trigger: ".o_selected_row .o_field_widget[name=task_id] input",
            run: "click",
        },
        {
            content: "Only the allowed task and its subtask are offered",
            // wait for the search results, not the "Loading..." placeholder
            trigger: `${TASK_ITEMS}:contains('${ALLOWED[ALLOWED.length - 1]}')`,
            run() {
                const offered = [...document.querySelectorAll(TASK_ITEMS)].map((a) => a.textContent.trim());
                const matches = (text, name) => text.includes(name);
                const unexpected = offered.filter((text) => !ALLOWED.some((name) => matches(text, name)));
                const missing = ALLOWED.filter((name) => !offered.some((text) => matches(text, name)));
                if (unexpected.length || missing.length || offered.length !== ALLOWED.length) {
                    throw new Error(
                        `task picker offered ${JSON.stringify(offered)}; expected exactly ${JSON.stringify(ALLOWED)}`
                    );
                }
            },
        },
        {
            content: "Leave without saving",
            trigger: ".o_list_button_discard",
            run: "click",
        },
        {
            content: "Back to the list",
            trigger: ".o_list_view .o_list_button_add",
        },
    ],
});
