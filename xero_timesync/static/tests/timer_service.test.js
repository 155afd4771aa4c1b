import { advanceTime, animationFrame, describe, expect, mockDate, test } from "@odoo/hoot";
import { defineMailModels } from "@mail/../tests/mail_test_helpers";
import { getService, makeMockEnv, mockService, onRpc } from "@web/../tests/web_test_helpers";
import { formatElapsed } from "@xero_timesync/timer/timer_service";

// The timer service against a mocked server: what /xero_timesync/timer/<action> answers (the Python
// tests prove the server side), and what the service makes of it.
defineMailModels();
describe.current.tags("desktop");

const ROUTE = "/xero_timesync/timer";

function timerInfo(values = {}) {
    return {
        id: 7,
        task_id: 42,
        task_name: "Acme Plumbing",
        client: "Acme Plumbing",
        project: "Xero",
        task_active: true,
        start: "2026-03-02 08:00:00",
        elapsed_seconds: 0,
        description: "",
        ...values,
    };
}

/** The server: each route answers ``answers[action](params)``; every call is a step "action params". */
function mockTimerServer(answers) {
    onRpc(`${ROUTE}/<action>`, async (request, { action }) => {
        const { params } = await request.json();
        expect.step(`${action} ${JSON.stringify(params)}`);
        return answers[action](params);
    });
}

async function startTimerService() {
    await makeMockEnv();
    await animationFrame(); // the service's first /current answer
    return getService("xero_timer");
}

test("a reloaded page shows the timer the server still runs", async () => {
    mockDate("2026-03-02 09:00:00");
    mockTimerServer({
        current: () => ({ timer: timerInfo({ elapsed_seconds: 3600 + 2 * 60 + 3, description: "Boiler" }) }),
    });
    const timer = await startTimerService();
    expect.verifySteps(["current {}"]);
    expect(timer.state.loaded).toBe(true);
    expect(timer.state.timer.task_name).toBe("Acme Plumbing");
    expect(timer.state.timer.description).toBe("Boiler");
    expect(formatElapsed(timer.elapsedSeconds())).toBe("1:02:03");
});

test("the elapsed time ticks on from the server's count", async () => {
    mockDate("2026-03-02 09:00:00");
    mockTimerServer({ current: () => ({ timer: timerInfo({ elapsed_seconds: 120 }) }) });
    const timer = await startTimerService();
    expect(formatElapsed(timer.elapsedSeconds())).toBe("0:02:00");
    await advanceTime(5000);
    expect(formatElapsed(timer.elapsedSeconds())).toBe("0:02:05");
    await advanceTime(60 * 60 * 1000);
    expect(formatElapsed(timer.elapsedSeconds())).toBe("1:02:05");
    expect.verifySteps(["current {}"]); // ticking is local: no call per second
});

test("start and stop go to the server, which answers with the timer and a message", async () => {
    mockService("notification", {
        add(message, options) {
            expect.step(`notify ${options.type}: ${message}`);
        },
    });
    mockTimerServer({
        current: () => ({ timer: null }),
        start: ({ task_id }) => ({
            timer: timerInfo({ task_id }),
            message: "Timer started on “Acme Plumbing”.",
            stopped: null,
        }),
        stop: () => ({ timer: null, recorded: true, message: "Recorded 0:15 on “Acme Plumbing”." }),
    });
    const timer = await startTimerService();
    expect(timer.state.timer).toBe(null);
    expect(timer.elapsedSeconds()).toBe(0);

    await timer.start(42);
    expect(timer.state.timer.id).toBe(7);
    expect(timer.state.timer.task_id).toBe(42);

    await timer.stop("Fixed the leak");
    expect(timer.state.timer).toBe(null);
    expect.verifySteps([
        "current {}",
        'start {"task_id":42}',
        "notify success: Timer started on “Acme Plumbing”.",
        'stop {"description":"Fixed the leak","check_idle":true}',
        "notify success: Recorded 0:15 on “Acme Plumbing”.",
    ]);
});

test("a typed description survives ticks and server refreshes, then is saved once", async () => {
    let saved = "";
    mockTimerServer({
        current: () => ({ timer: timerInfo({ elapsed_seconds: 60, description: saved }) }),
        describe: ({ description }) => {
            saved = description;
            return { timer: timerInfo({ elapsed_seconds: 61, description }) };
        },
    });
    const timer = await startTimerService();
    expect.verifySteps(["current {}"]);

    timer.editDescription("Replacing the valve");
    await advanceTime(300); // still typing: nothing saved yet
    await timer.refresh(); // another tab changed the timer (bus) or the tab became visible again
    expect(timer.state.draft).toBe("Replacing the valve");
    expect(timer.state.timer.description).toBe("");
    expect.verifySteps(["current {}"]);

    await advanceTime(600); // the user paused
    await animationFrame();
    expect.verifySteps(['describe {"description":"Replacing the valve"}']);
    expect(timer.state.draft).toBe(null);
    expect(timer.state.timer.description).toBe("Replacing the valve");
    await advanceTime(5000);
    expect.verifySteps([]); // saved once
});

test("a stop after idle time asks whether to discard it, then stops as chosen", async () => {
    mockService("dialog", {
        add(_component, props) {
            expect.step(`dialog: ${props.body} [${props.confirmLabel} / ${props.cancelLabel}]`);
            props.confirm();
        },
    });
    mockTimerServer({
        current: () => ({ timer: timerInfo({ elapsed_seconds: 5400 }) }),
        stop: ({ discard_idle }) =>
            discard_idle === undefined
                ? { timer: timerInfo(), idle_offer: true, idle_minutes: 72, message: "You were idle for 1:12." }
                : { timer: null, recorded: true, message: "Recorded 0:18 on “Acme Plumbing”." },
    });
    const timer = await startTimerService();
    await timer.stop("Valve");
    expect(timer.state.timer).toBe(null);
    expect.verifySteps([
        "current {}",
        'stop {"description":"Valve","check_idle":true}',
        "dialog: You were idle for 1:12. [Discard idle time / Keep it]",
        'stop {"description":"Valve","discard_idle":true}',
    ]);
});

test("activity sends a heartbeat at most once a minute, only while a timer runs", async () => {
    let running = false;
    mockTimerServer({
        current: () => ({ timer: running ? timerInfo() : null }),
        heartbeat: () => ({ timer_id: 7, idle_minutes: 0 }),
    });
    const timer = await startTimerService();
    window.dispatchEvent(new Event("keydown"));
    running = true;
    await timer.refresh();
    window.dispatchEvent(new Event("keydown"));
    window.dispatchEvent(new Event("pointerdown"));
    await advanceTime(30 * 1000);
    window.dispatchEvent(new Event("wheel"));
    await advanceTime(31 * 1000);
    window.dispatchEvent(new Event("keydown"));
    await animationFrame();
    expect.verifySteps(["current {}", "current {}", "heartbeat {}", "heartbeat {}"]);
});
