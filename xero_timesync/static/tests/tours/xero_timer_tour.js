import { registry } from "@web/core/registry";

// The employee's journey: from My Timesheets, pick a client's task, start the timer, type what
// they do, stop it; the new line shows the rounded time (the test sets 6-minute steps, round up).
registry.category("web_tour.tours").add("xero_timesync_timer", {
    steps: () => [
        {
            content: "My Timesheets offers to start a timer",
            trigger: ".o_control_panel button.o_xero_timer_pick",
            run: "click",
        },
        {
            content: "The picker lists the user's clients; search by the client's email",
            trigger: ".modal .o_xero_timer_picker .o_data_row:contains(Bolt Electrics)",
        },
        {
            trigger: ".modal .o_searchview_input",
            run: "edit office@acme.test",
        },
        {
            trigger: ".modal .o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Only Acme's task is left",
            trigger: ".modal .o_xero_timer_picker:not(:has(.o_data_row:contains(Bolt Electrics)))",
        },
        {
            content: "Start",
            trigger: ".modal .o_data_row:contains(Acme Plumbing) button.o_xero_timer_start",
            run: "click",
        },
        {
            content: "The systray shows the running timer",
            trigger: "body:not(:has(.modal)) .o_xero_timer_systray.o_xero_timer_running:contains(Acme Plumbing)",
        },
        {
            content: "Wait: the timer counts at least two seconds",
            trigger: ".o_xero_timer_elapsed:not(:contains(0:00:00)):not(:contains(0:00:01))",
            timeout: 15000,
        },
        {
            trigger: ".o_xero_timer_systray",
            run: "click",
        },
        {
            content: "Describe the work while the timer runs",
            trigger: ".o_xero_timer_menu input.o_xero_timer_description",
            run: "edit Fixed the boiler",
        },
        {
            content: "Stop",
            trigger: ".o_xero_timer_menu button.o_xero_timer_stop",
            run: "click",
        },
        {
            content: "The recorded time is announced",
            trigger: ".o_notification:contains(Recorded 0:06)",
        },
        {
            content: "The new line is in the list with the rounded duration",
            trigger: ".o_list_view .o_data_row:contains(Fixed the boiler) [name=unit_amount]:contains(00:06)",
        },
        {
            content: "The systray is idle again",
            trigger: ".o_xero_timer_systray:not(.o_xero_timer_running)",
        },
    ],
});

// Start and Stop from a Xero task's form.
registry.category("web_tour.tours").add("xero_timesync_timer_form", {
    steps: () => [
        {
            content: "Start from the task form",
            trigger: ".o_form_view .o_statusbar_buttons button.o_xero_timer_start",
            run: "click",
        },
        {
            content: "The form now offers Stop, the systray runs",
            trigger: ".o_form_view .o_statusbar_buttons button.o_xero_timer_stop",
        },
        {
            trigger: ".o_xero_timer_systray.o_xero_timer_running:contains(Bolt Electrics)",
        },
        {
            content: "Stop",
            trigger: ".o_form_view .o_statusbar_buttons button.o_xero_timer_stop",
            run: "click",
        },
        {
            content: "A timer under the minimum is discarded with a notice",
            trigger: ".o_notification:contains(nothing was recorded)",
        },
        {
            trigger: ".o_form_view .o_statusbar_buttons button.o_xero_timer_start",
        },
        {
            trigger: ".o_xero_timer_systray:not(.o_xero_timer_running)",
        },
    ],
});

const DESCRIPTION = "fixed the boiler, then the pump";
const TYPING_DELAY_MS = 120; // a person types about 8 characters a second
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function checkDescription(expected) {
    const input = document.querySelector(".o_xero_timer_menu input.o_xero_timer_description");
    if (!input || input.value !== expected) {
        throw new Error(`The description box shows "${input && input.value}" instead of "${expected}"`);
    }
}

// Issue 12, defect 1: type the description as a person does, while the timer ticks; the text survives
// the ticks, a reload of the page and Stop.
registry.category("web_tour.tours").add("xero_timesync_timer_typing", {
    steps: () => [
        {
            content: "Start from the task form",
            trigger: ".o_form_view .o_statusbar_buttons button.o_xero_timer_start",
            run: "click",
        },
        {
            trigger: ".o_xero_timer_systray.o_xero_timer_running",
            run: "click",
        },
        {
            content: "Type the description character by character while the timer ticks",
            trigger: ".o_xero_timer_menu input.o_xero_timer_description",
            async run(helpers) {
                await helpers.click();
                for (const char of DESCRIPTION) {
                    await helpers.press(char);
                    await sleep(TYPING_DELAY_MS);
                }
            },
        },
        {
            content: "Ticks later, everything typed is still there",
            trigger: ".o_xero_timer_elapsed:not(:contains(0:00:00)):not(:contains(0:00:01)):not(:contains(0:00:02))",
            timeout: 20000,
            async run() {
                checkDescription(DESCRIPTION);
                await sleep(2500); // two more ticks, and the description is saved meanwhile
                checkDescription(DESCRIPTION);
            },
        },
        {
            content: "Reload the page",
            trigger: ".o_xero_timer_menu input.o_xero_timer_description",
            run() {
                window.location.reload();
            },
            expectUnloadPage: true,
        },
        {
            content: "After the reload the timer still runs",
            trigger: ".o_xero_timer_systray.o_xero_timer_running",
            run: "click",
        },
        {
            content: "…with the description typed before the reload",
            trigger: ".o_xero_timer_menu input.o_xero_timer_description",
            run() {
                checkDescription(DESCRIPTION);
            },
        },
        {
            content: "Stop",
            trigger: ".o_xero_timer_menu button.o_xero_timer_stop",
            run: "click",
        },
        {
            content: "The time is recorded",
            trigger: ".o_notification:contains(Recorded)",
        },
        {
            trigger: ".o_xero_timer_systray:not(.o_xero_timer_running)",
        },
    ],
});
