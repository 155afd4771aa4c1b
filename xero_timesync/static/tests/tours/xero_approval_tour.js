import { registry } from "@web/core/registry";

// Set up by TestApprovalTour. The employee, at the end of the week: My Timesheets → Submit for approval.
registry.category("web_tour.tours").add("xero_approval_submit", {
    steps: () => [
        {
            content: "This week's time, to submit",
            trigger: ".o_list_view .o_data_row:contains(Boiler service) [name=xero_approval_state]:contains(To submit)",
        },
        {
            content: "Submit for approval",
            trigger: ".o_control_panel button.o_xero_submit_time",
            run: "click",
        },
        {
            content: "The hours submitted are announced",
            trigger: ".o_notification:contains(3:00 h submitted for approval)",
        },
        {
            content: "The lines wait for approval",
            trigger: ".o_list_view .o_data_row:contains(Boiler service) [name=xero_approval_state]:contains(Submitted)",
        },
    ],
});

// The Xero project's manager: approves Tim's week, sends Ana's back with a reason.
registry.category("web_tour.tours").add("xero_approval_review", {
    steps: () => [
        {
            content: "Ana's week waits",
            trigger: ".o_list_view .o_data_row:contains(Ana Lopez):contains(To approve)",
        },
        {
            content: "Tim's week waits",
            trigger: ".o_list_view .o_data_row:contains(Tim Keeper):contains(To approve)",
        },
        {
            content: "Approve Tim's week",
            trigger: ".o_data_row:contains(Tim Keeper) button.o_xero_approve",
            run: "click",
        },
        {
            content: "Tim's week is no longer waiting",
            trigger: ".o_list_view:not(:has(.o_data_row:contains(Tim Keeper))) .o_data_row:contains(Ana Lopez)",
        },
        {
            content: "Send Ana's week back",
            trigger: ".o_data_row:contains(Ana Lopez) button.o_xero_send_back",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Tuesday is missing",
        },
        {
            content: "Send back",
            trigger: ".modal button[name=action_send_back]",
            run: "click",
        },
        {
            content: "Nothing waits any more",
            trigger: "body:not(:has(.modal)) .o_list_view:not(:has(.o_data_row))",
        },
    ],
});
