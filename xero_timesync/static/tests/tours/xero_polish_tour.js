import { registry } from "@web/core/registry";

// The timer picker: a row starts the timer, so there is nothing to tick.
registry.category("web_tour.tours").add("xero_timer_picker_has_no_checkboxes", {
    steps: () => [
        {
            content: "My Timesheets offers to start a timer",
            trigger: ".o_control_panel button.o_xero_timer_pick",
            run: "click",
        },
        {
            content: "The picker lists the user's clients",
            trigger: ".modal .o_xero_timer_picker .o_data_row:contains(Bolt Electrics)",
        },
        {
            content: "No selection checkboxes, neither in the header nor on the rows",
            trigger: ".modal .o_list_renderer:not(:has(.o_list_record_selector)) .o_data_row:contains(Acme Plumbing)",
        },
    ],
});

// Someone who cannot use the timer (no Xero project) does not see it in the top bar.
registry.category("web_tour.tours").add("xero_timer_not_offered", {
    steps: () => [
        {
            content: "The top bar is there, with the user menu but without the timer",
            trigger: ".o_main_navbar .o_menu_systray:has(.o_user_menu):not(:has(.o_xero_timer_systray))",
        },
    ],
});

// ... and a member does.
registry.category("web_tour.tours").add("xero_timer_offered", {
    steps: () => [
        {
            content: "The timer is in the top bar",
            trigger: ".o_main_navbar .o_menu_systray .o_xero_timer_systray",
        },
    ],
});
