import { Component, onMounted, onWillUnmount, useRef, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { useDropdownState } from "@web/core/dropdown/dropdown_hooks";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { formatElapsed } from "./timer_service";

export class XeroTimerSystray extends Component {
    static template = "xero_timesync.TimerSystray";
    static components = { Dropdown };
    static props = {};

    setup() {
        this.timer = useService("xero_timer");
        this.dialog = useService("dialog");
        this.state = useState(this.timer.state);
        this.clock = useState({ now: Date.now() });
        this.dropdown = useDropdownState();
        this.description = useRef("description");
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

    async onDescriptionChange(ev) {
        await this.timer.describe(ev.target.value);
    }

    async onStop() {
        const description = this.description.el ? this.description.el.value : undefined;
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

registry.category("systray").add("xero_timesync.timer", { Component: XeroTimerSystray }, { sequence: 90 });
