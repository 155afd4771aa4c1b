import { reactive } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";

const ROUTE = "/xero_timesync/timer";
const RELOADED_MODELS = ["account.analytic.line", "project.task"];

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
    dependencies: ["action", "bus_service", "notification"],
    start(env, { action, bus_service, notification }) {
        const state = reactive({ timer: null, receivedAt: 0, loaded: false });

        function set(timer) {
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
                const result = await call("stop", { description });
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
