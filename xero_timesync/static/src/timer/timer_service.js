import { reactive } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

const ROUTE = "/xero_timesync/timer";
const RELOADED_MODELS = ["account.analytic.line", "project.task"];
const DESCRIPTION_SAVE_DELAY_MS = 600; // after the last keystroke
const HEARTBEAT_EVERY_MS = 60 * 1000; // at most one "the user is active" a minute
const ACTIVITY_EVENTS = ["pointerdown", "pointermove", "keydown", "wheel", "touchstart"];

/** "H:MM:SS" of a number of seconds. */
export function formatElapsed(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

/**
 * The user's running timer, shared by the systray and the Start/Stop buttons. The server is the
 * source of truth (the timer survives reloads and other devices): the state is fetched on start, when
 * the tab becomes visible again, and when the bus says another tab or device changed it.
 */
export const xeroTimerService = {
    dependencies: ["action", "bus_service", "dialog", "notification"],
    start(env, { action, bus_service, dialog, notification }) {
        // draft: the description being typed, not saved yet (null: nothing pending). Server answers
        // arriving meanwhile (ticks, other tabs, refreshes) never overwrite it.
        const state = reactive({ timer: null, receivedAt: 0, loaded: false, draft: null });
        let saveTimeout = null;

        function set(timer) {
            if ((timer && timer.id) !== (state.timer && state.timer.id)) {
                state.draft = null; // another timer: what was typed belonged to the previous one
                browser.clearTimeout(saveTimeout);
            }
            state.timer = timer || null;
            state.receivedAt = Date.now();
            state.loaded = true;
        }

        function notify(message, warning) {
            if (message) {
                notification.add(message, { type: warning ? "warning" : "success" });
            }
        }

        /** Timesheet lists and task kanbans show the new line / the Start-Stop buttons. */
        async function reloadCurrentView() {
            const controller = action.currentController;
            if (
                controller?.view?.multiRecord &&
                RELOADED_MODELS.includes(controller.props?.resModel)
            ) {
                await action.doAction("soft_reload");
            }
        }

        async function call(path, params = {}) {
            const result = await rpc(`${ROUTE}/${path}`, params);
            set(result.timer);
            return result;
        }

        async function refresh() {
            await call("current");
        }

        // Another tab or device changed the timer. The bus may deliver notifications late (replayed on
        // reconnect): ask the server for the current state rather than trusting the pushed one.
        bus_service.subscribe("xero_timesync.timer", () => refresh());
        browser.addEventListener("visibilitychange", () => {
            if (!browser.document.hidden) {
                refresh();
            }
        });
        refresh();

        // Idle time: while a timer runs, tell the server the user is active (it keeps the time of the last
        // activity, so a stop can offer to leave the idle time out).
        let lastBeat = 0;
        function onActivity() {
            if (!state.timer || Date.now() - lastBeat < HEARTBEAT_EVERY_MS) {
                return;
            }
            lastBeat = Date.now();
            rpc(`${ROUTE}/heartbeat`, {}, { silent: true }).catch(() => {});
        }
        for (const type of ACTIVITY_EVENTS) {
            browser.addEventListener(type, onActivity, { capture: true, passive: true });
        }

        /** true: discard the idle time, false: keep it, null: the dialog was closed (keep the timer running). */
        function askAboutIdle(message) {
            return new Promise((resolve) => {
                dialog.add(ConfirmationDialog, {
                    title: _t("Idle time"),
                    body: message,
                    confirmLabel: _t("Discard idle time"),
                    cancelLabel: _t("Keep it"),
                    confirm: () => resolve(true),
                    cancel: () => resolve(false),
                    dismiss: () => resolve(null),
                });
            });
        }

        return {
            state,
            set,
            notify,
            refresh,
            elapsedSeconds() {
                if (!state.timer) {
                    return 0;
                }
                return state.timer.elapsed_seconds + (Date.now() - state.receivedAt) / 1000;
            },
            async start(taskId) {
                const result = await call("start", { task_id: taskId });
                notify(result.message, result.stopped && !result.stopped.recorded);
                await reloadCurrentView();
                return result;
            },
            async stop(description) {
                browser.clearTimeout(saveTimeout);
                description = description ?? state.draft ?? undefined;
                let result = await call("stop", { description, check_idle: true });
                if (result.idle_offer) {
                    const discard = await askAboutIdle(result.message);
                    if (discard === null) {
                        return result; // still running
                    }
                    result = await call("stop", { description, discard_idle: discard });
                }
                state.draft = null;
                notify(result.message, !result.recorded);
                await reloadCurrentView();
                return result;
            },
            async discard() {
                const result = await call("discard");
                notify(result.message, true);
                await reloadCurrentView();
                return result;
            },
            async describe(description) {
                return call("describe", { description });
            },
            /** Typing: keep the text, save it once the user pauses (so it survives reloads). */
            editDescription(description) {
                state.draft = description;
                browser.clearTimeout(saveTimeout);
                saveTimeout = browser.setTimeout(() => this.saveDescription(), DESCRIPTION_SAVE_DELAY_MS);
            },
            async saveDescription() {
                browser.clearTimeout(saveTimeout);
                const draft = state.draft;
                if (draft === null || !state.timer) {
                    return;
                }
                await call("describe", { description: draft });
                if (state.draft === draft) {
                    state.draft = null; // saved, and nothing typed since
                }
            },
            openPicker() {
                return action.doAction("xero_timesync.xero_timer_task_picker_action", {
                    onClose: reloadCurrentView,
                });
            },
        };
    },
};

registry.category("services").add("xero_timer", xeroTimerService);

/**
 * What the Start/Stop buttons of views return: update the timer, say what happened, then close the
 * picker (if open) and reload the view the button was in.
 */
function timerChanged(env, action) {
    const { timer, message, warning } = action.params || {};
    const service = env.services.xero_timer;
    service.set(timer);
    service.notify(message, warning);
    return { type: "ir.actions.act_window_close" };
}

registry.category("actions").add("xero_timesync.timer_changed", timerChanged);
