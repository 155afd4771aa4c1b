/* The toolbar popup: the running timer (stop, discard, describe), clients suggested for this site, search.
 *
 * Idle time: activity in the popup is reported (xero_heartbeat) at most once a minute per timer, across
 * openings of the popup; Stop asks first and shows the server's offer to leave out idle time. */
/* global XeroOdoo */
(() => {
    "use strict";

    const { ext } = XeroOdoo;
    const $ = (id) => document.getElementById(id);
    const DESCRIBE_DELAY_MS = 700;
    const HEARTBEAT_EVERY_MS = 60 * 1000;
    const ACTIVITY_EVENTS = ["pointerdown", "keydown", "input", "wheel"];
    let timer = null;
    let receivedAt = 0;
    let describeTimer = null;
    let searchTimer = null;
    let searchSeq = 0;
    let beat = { timerId: null, at: 0 }; // the last heartbeat sent

    function say(text, isError = false) {
        $("message").textContent = text || "";
        $("message").className = isError ? "error" : "";
    }

    function show(newTimer) {
        timer = newTimer;
        receivedAt = Date.now();
        $("running").hidden = !timer;
        $("idle").hidden = Boolean(timer);
        if (timer) {
            $("task").textContent = timer.task_name;
            if (document.activeElement !== $("description") && !describeTimer) {
                $("description").value = timer.description || "";
            }
        }
        tick();
        XeroOdoo.showTimer(timer);
    }

    function tick() {
        if (timer) {
            const seconds = timer.elapsed_seconds + (Date.now() - receivedAt) / 1000;
            $("clock").textContent = XeroOdoo.hoursMinutes(seconds);
        }
    }

    async function run(action, params) {
        try {
            const result = await XeroOdoo.act(action, params);
            if (result.message) {
                say(result.message, result.recorded === false);
            }
            if ("timer" in result) {
                show(result.timer);
            }
            return result;
        } catch (error) {
            say(error.message, true);
            return null;
        }
    }

    /** The user is active: tell Odoo, at most once a minute per running timer (kept across openings). */
    function activity() {
        if (!timer || (beat.timerId === timer.id && Date.now() - beat.at < HEARTBEAT_EVERY_MS)) {
            return;
        }
        beat = { timerId: timer.id, at: Date.now() };
        ext.storage.local.set({ beat });
        XeroOdoo.call("xero_heartbeat").then(
            () => (window.xeroHeartbeats = (window.xeroHeartbeats || 0) + 1), // for tests and debugging
            () => {} // offline or refused: activity after a minute tells it again
        );
    }

    async function stop(params) {
        $("offer").hidden = true;
        const result = await run("stop", { description: $("description").value, ...params });
        if (result && result.idle_offer) {
            $("offer-text").textContent = result.message;
            $("offer").hidden = false;
            say("");
        }
    }

    function cancelDescribe() {
        clearTimeout(describeTimer);
        describeTimer = null;
    }

    function taskList(list, tasks) {
        list.replaceChildren(
            ...tasks.map((task) => {
                const item = document.createElement("li");
                const button = document.createElement("button");
                button.type = "button";
                button.dataset.id = task.id;
                button.textContent = task.name;
                button.title = [task.client, task.project].filter(Boolean).join(" · ");
                button.addEventListener("click", () => {
                    cancelDescribe();
                    run("start", { task_id: task.id });
                });
                item.append(button);
                return item;
            })
        );
    }

    async function search() {
        const seq = ++searchSeq;
        try {
            const tasks = await XeroOdoo.call("xero_tasks", { query: $("search").value, limit: 20 });
            if (seq === searchSeq) {
                taskList($("tasks"), tasks);
            }
        } catch (error) {
            say(error.message, true);
        }
    }

    async function suggest() {
        let tab;
        try {
            [tab] = await ext.tabs.query({ active: true, currentWindow: true });
        } catch {
            return;
        }
        if (!tab || !/^https?:/.test(tab.url || "")) {
            return;
        }
        const tasks = await XeroOdoo.call("xero_suggest", { site: tab.url }).catch(() => []);
        if (tasks.length) {
            $("site").textContent = new URL(tab.url).hostname;
            taskList($("suggestions"), tasks);
            $("suggested").hidden = false;
        }
    }

    $("stop").addEventListener("click", () => {
        cancelDescribe();
        stop({ check_idle: true });
    });
    $("offer-discard").addEventListener("click", () => stop({ discard_idle: true }));
    $("offer-keep").addEventListener("click", () => stop({ discard_idle: false }));
    for (const type of ACTIVITY_EVENTS) {
        document.addEventListener(type, activity, { capture: true, passive: true });
    }
    $("discard").addEventListener("click", () => {
        cancelDescribe();
        run("discard", {});
    });
    $("description").addEventListener("input", () => {
        cancelDescribe();
        describeTimer = setTimeout(() => {
            describeTimer = null;
            if (timer) {
                run("describe", { description: $("description").value });
            }
        }, DESCRIBE_DELAY_MS);
    });
    $("search").addEventListener("input", () => {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(search, 250);
    });
    $("open-options").addEventListener("click", () => ext.runtime.openOptionsPage());
    setInterval(tick, 1000);

    (async () => {
        if (!(await XeroOdoo.settings())) {
            $("setup").hidden = false;
            return;
        }
        $("main").hidden = false;
        const stored = await ext.storage.local.get(["timer", "timerAt", "beat"]);
        beat = stored.beat || beat;
        if (stored.timer) {
            timer = stored.timer;
            timer.elapsed_seconds += (Date.now() - (stored.timerAt || Date.now())) / 1000;
            show(timer); // at once, before Odoo answers
        }
        try {
            show(await XeroOdoo.refresh());
        } catch (error) {
            say(error.message, true);
        }
        search();
        suggest();
    })();
})();
