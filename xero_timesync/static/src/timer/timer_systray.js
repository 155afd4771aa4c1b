import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { useDropdownState } from "@web/core/dropdown/dropdown_hooks";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { session } from "@web/session";
import { formatElapsed } from "./timer_service";

/**
 * The running time. Only this small component re-renders every second: the panel around it (and the
 * description being typed) is left alone.
 */
export class XeroTimerElapsed extends Component {
    static template = "xero_timesync.TimerElapsed";
    static props = { class: { type: String, optional: true } };

    setup() {
        this.timer = useService("xero_timer");
        this.clock = useState({ now: Date.now() });
        let interval;
        onMounted(() => {
            interval = setInterval(() => (this.clock.now = Date.now()), 1000);
        });
        onWillUnmount(() => clearInterval(interval));
    }

    get elapsed() {
        void this.clock.now; // re-render every second
        return formatElapsed(this.timer.elapsedSeconds());
    }
}

export class XeroTimerSystray extends Component {
    static template = "xero_timesync.TimerSystray";
    static components = { Dropdown, XeroTimerElapsed };
    static props = {};

    setup() {
        this.timer = useService("xero_timer");
        this.dialog = useService("dialog");
        this.state = useState(this.timer.state);
        this.dropdown = useDropdownState();
        this.description = useRef("description");
    }

    /** What the box shows: the text being typed (saved shortly after), else the timer's. */
    get descriptionValue() {
        return this.state.draft ?? this.state.timer?.description ?? "";
    }

    onDescriptionInput(ev) {
        this.timer.editDescription(ev.target.value);
    }

    onDescriptionBlur() {
        this.timer.saveDescription();
    }

    async onStop() {
        const description = this.state.draft ?? this.description.el?.value;
        this.dropdown.close();
        await this.timer.stop(description);
    }

    onDiscard() {
        this.dropdown.close();
        this.dialog.add(ConfirmationDialog, {
            title: _t("Discard the timer?"),
            body: _t("The time of the running timer will not be recorded."),
            confirmLabel: _t("Discard"),
            confirm: () => this.timer.discard(),
            cancel: () => {},
        });
    }

    onPick() {
        this.dropdown.close();
        this.timer.openPicker();
    }
}

// Only for internal members of a Xero project (or someone with a running timer): others cannot use it.
registry.category("systray").add(
    "xero_timesync.timer",
    { Component: XeroTimerSystray, isDisplayed: () => Boolean(session.xero_timer) },
    { sequence: 90 }
);
