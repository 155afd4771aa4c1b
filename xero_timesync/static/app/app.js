/* The Xero Timer app (phone first): start, stop, switch client, describe, add time, today / this week.
 *
 * Every change is an action with a key made here (crypto.randomUUID): it is put in a queue kept in
 * localStorage, shown at once, and sent in order to /xero_timesync/timer/queued. A network failure keeps
 * it queued (sent again when the network returns, with the same key: the server applies a key once); an
 * answer from the server, success or refusal, takes it off the queue. A start or stop sent late says how
 * long it waited, so the server dates it back to the tap.
 *
 * Idle time: while a timer runs, the user's activity here (and the app's own actions) is reported with a
 * heartbeat, at most once a minute per timer; a Stop asks first (check_idle) and, when the server offers to
 * leave out idle time, the user's choice is sent as a second stop dated back to the first tap. */
(function () {
    "use strict";

    const RPC = "/xero_timesync/timer";
    const QUEUE_KEY = `xero_timer_queue:${document.body.dataset.uid}`; // a shared phone: each user's own
    const SEEN_KEY = `xero_timer_seen:${document.body.dataset.uid}`; // what the server said last (offline start)
    const POLL_MS = 15000;
    const DESCRIBE_DELAY_MS = 700;
    const RETRY_MS = 3000;
    const HEARTBEAT_EVERY_MS = 60 * 1000;
    const ACTIVITY_EVENTS = ["pointerdown", "keydown", "touchstart", "input", "wheel"];
    const $ = (id) => document.getElementById(id);
    const labels = JSON.parse(document.body.dataset.labels || "{}");

    const state = {
        timer: null,
        receivedAt: 0,
        queue: loadQueue(),
        flushing: false,
        online: true,
        manualTask: null,
        beat: { timerId: null, at: 0 }, // the last heartbeat sent
        offer: null, // a stop waiting for the user's choice about idle time: { description, at }
    };

    class OfflineError extends Error {}
    class ServerError extends Error {
        constructor(data) {
            super((data && data.message) || "Error");
            this.name = (data && data.name) || "";
        }
    }

    function loadQueue() {
        try {
            return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
        } catch {
            return [];
        }
    }

    function saveQueue() {
        localStorage.setItem(QUEUE_KEY, JSON.stringify(state.queue));
    }

    function newKey() {
        if (crypto.randomUUID) {
            return crypto.randomUUID();
        }
        const bytes = crypto.getRandomValues(new Uint8Array(16));
        return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    }

    async function rpc(path, params) {
        let response;
        try {
            response = await fetch(`${RPC}/${path}`, {
                method: "POST",
                headers: { "Content-Type": "application/json" },
                credentials: "same-origin",
                body: JSON.stringify({ jsonrpc: "2.0", method: "call", id: Date.now(), params: params || {} }),
            });
        } catch {
            throw new OfflineError("offline");
        }
        if (!response.ok) {
            throw new OfflineError(`HTTP ${response.status}`); // a proxy or a restarting server: try again later
        }
        const body = await response.json();
        if (body.error) {
            throw new ServerError(body.error.data || { message: body.error.message });
        }
        return body.result;
    }

    // -- display ---------------------------------------------------------------------------------
    function hours(value) {
        const minutes = Math.round((value || 0) * 60);
        return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
    }

    function clock(seconds) {
        const s = Math.max(0, Math.floor(seconds));
        const mm = String(Math.floor(s / 60) % 60).padStart(2, "0");
        const ss = String(s % 60).padStart(2, "0");
        return `${Math.floor(s / 3600)}:${mm}:${ss}`;
    }

    function setTimer(timer) {
        state.timer = timer;
        state.receivedAt = Date.now();
        $("xt-idle").hidden = Boolean(timer);
        $("xt-running").hidden = !timer;
        if (timer) {
            $("xt-client").textContent = timer.task_name;
            if (document.activeElement !== $("xt-desc") && !describeTimer) {
                $("xt-desc").value = timer.description || "";
            }
        }
        tick();
    }

    function tick() {
        if (state.timer) {
            const elapsed = (state.timer.elapsed_seconds || 0) + (Date.now() - state.receivedAt) / 1000;
            $("xt-clock").textContent = clock(elapsed);
        }
    }

    function say(text, isError) {
        const box = $("xt-message");
        box.textContent = text || "";
        box.className = isError ? "xt-error" : "";
    }

    function showStatus() {
        const count = state.queue.length;
        let text = "";
        if (count && !state.online) {
            text = (labels.offline || "Offline: %s queued").replace("%s", count);
        } else if (count) {
            text = (labels.sending || "Sending %s…").replace("%s", count);
        }
        $("xt-status").textContent = text;
        document.body.classList.toggle("xt-offline", !state.online);
    }

    function showMyTime(data) {
        $("xt-user").textContent = data.user.name;
        $("xt-today").textContent = hours(data.today_hours);
        $("xt-week").textContent = hours(data.week_hours);
        $("xt-m-date").max = data.today;
        if (!$("xt-m-date").value) {
            $("xt-m-date").value = data.today;
        }
        const list = $("xt-lines");
        list.replaceChildren(
            ...data.lines.map((line) => {
                const item = document.createElement("li");
                const name = document.createElement("span");
                name.textContent = line.name ? `${line.task} — ${line.name}` : line.task;
                const amount = document.createElement("strong");
                amount.textContent = hours(line.hours);
                item.append(name, amount);
                return item;
            })
        );
        if (!state.queue.length) {
            setTimer(data.timer);
        }
    }

    function remember(data) {
        localStorage.setItem(SEEN_KEY, JSON.stringify({ data, at: Date.now() }));
    }

    function showRemembered() {
        let seen;
        try {
            seen = JSON.parse(localStorage.getItem(SEEN_KEY) || "null");
        } catch {
            seen = null;
        }
        if (seen && seen.data && seen.data.user) {
            if (seen.data.timer) {
                seen.data.timer.elapsed_seconds += Math.max(0, (Date.now() - seen.at) / 1000);
            }
            showMyTime(seen.data);
        }
    }

    // -- the queue -------------------------------------------------------------------------------
    function act(action, params, optimistic, at = Date.now()) {
        activity();
        state.queue.push({ key: newKey(), action, params, at });
        saveQueue();
        if (optimistic) {
            optimistic();
        }
        return flush();
    }

    /** The user is active: tell the server, at most once a minute per running timer (lost offline: the next
     * activity tells it again). */
    function activity() {
        const timerId = state.timer && state.timer.id;
        if (!timerId || (state.beat.timerId === timerId && Date.now() - state.beat.at < HEARTBEAT_EVERY_MS)) {
            return;
        }
        state.beat = { timerId, at: Date.now() };
        rpc("heartbeat", {}).catch(() => {});
    }

    async function flush() {
        if (state.flushing) {
            return;
        }
        state.flushing = true;
        try {
            while (state.queue.length) {
                showStatus();
                const item = state.queue[0];
                try {
                    const { key, action, params } = item;
                    // how long it waited here (this device's clock only): the server dates the action back
                    const queued_seconds = Math.max(0, Math.floor((Date.now() - (item.at || Date.now())) / 1000));
                    const result = await rpc("queued", { key, action, params, queued_seconds });
                    state.online = true;
                    if (result.idle_offer) {
                        offerIdle(result, item);
                    } else if (result.message) {
                        say(result.message, result.recorded === false);
                    }
                } catch (error) {
                    if (error instanceof OfflineError) {
                        state.online = false;
                        showStatus();
                        retryLater();
                        return;
                    }
                    if (error.name === "odoo.http.SessionExpiredException") {
                        signIn();
                        return; // the queue is kept and sent once signed in again
                    }
                    say(error.message, true);
                }
                state.queue.shift();
                saveQueue();
            }
            state.online = true;
            showStatus();
        } finally {
            state.flushing = false;
        }
        await refresh();
    }

    function signIn() {
        say(labels.session, true);
        window.location.assign(`/web/login?redirect=${encodeURIComponent(window.location.pathname)}`);
    }

    let retryTimer = null;

    function retryLater() {
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => flush(), RETRY_MS);
    }

    async function refresh() {
        if (state.queue.length) {
            return flush();
        }
        try {
            const data = await rpc("my_time");
            remember(data);
            showMyTime(data);
            state.online = true;
        } catch (error) {
            if (error instanceof OfflineError) {
                state.online = false;
            } else if (error.name === "odoo.http.SessionExpiredException") {
                signIn();
            } else {
                say(error.message, true);
            }
        }
        showStatus();
    }

    // -- actions ---------------------------------------------------------------------------------
    let describeTimer = null;

    function cancelDescribe() {
        clearTimeout(describeTimer);
        describeTimer = null;
    }

    function start(task) {
        cancelDescribe();
        act("start", { task_id: task.id }, () => {
            if (!state.timer || state.timer.task_id !== task.id) {
                setTimer({ task_id: task.id, task_name: task.name, elapsed_seconds: 0, description: "" });
                $("xt-desc").value = "";
            }
        });
    }

    function stop() {
        cancelDescribe();
        const description = $("xt-desc").value;
        act("stop", { description, check_idle: true }, () => setTimer(null));
    }

    function offerIdle(result, item) {
        state.offer = { description: item.params.description, at: item.at };
        setTimer(result.timer); // it runs on while the user decides
        $("xt-offer-text").textContent = result.message;
        $("xt-offer").hidden = false;
        say("");
    }

    /** The user's answer to the idle offer: the stop again, dated back to the first tap. */
    function answerIdle(discard) {
        const offer = state.offer;
        state.offer = null;
        $("xt-offer").hidden = true;
        if (offer) {
            const params = { description: offer.description, discard_idle: discard };
            act("stop", params, () => setTimer(null), offer.at);
        }
    }

    function discard() {
        cancelDescribe();
        act("discard", {}, () => setTimer(null));
    }

    function describeLater() {
        cancelDescribe();
        describeTimer = setTimeout(() => {
            describeTimer = null;
            if (state.timer) {
                const description = $("xt-desc").value;
                act("describe", { description }, () => (state.timer.description = description));
            }
        }, DESCRIBE_DELAY_MS);
    }

    function openManual(task) {
        state.manualTask = task;
        $("xt-m-client").textContent = task.name;
        $("xt-manual").hidden = false;
        $("xt-m-hours").focus();
    }

    function addManual() {
        if (!state.manualTask) {
            say(labels.pick, true);
            return;
        }
        const params = {
            task_id: state.manualTask.id,
            date: $("xt-m-date").value,
            hours: parseFloat(String($("xt-m-hours").value).replace(",", ".")),
            description: $("xt-m-desc").value,
        };
        act("log_time", params, () => {
            $("xt-manual").hidden = true;
            $("xt-m-hours").value = "";
            $("xt-m-desc").value = "";
        });
    }

    let searchTimer = null;
    let searchSeq = 0;

    function searchLater() {
        clearTimeout(searchTimer);
        searchTimer = setTimeout(search, 250);
    }

    async function search() {
        const seq = ++searchSeq;
        let tasks;
        try {
            tasks = (await rpc("tasks", { query: $("xt-search").value, limit: 20 })).tasks;
        } catch (error) {
            if (error instanceof OfflineError) {
                state.online = false;
                showStatus();
            } else {
                say(error.message, true);
            }
            return;
        }
        if (seq !== searchSeq) {
            return; // a later search answered first
        }
        const list = $("xt-tasks");
        if (!tasks.length) {
            const empty = document.createElement("li");
            empty.textContent = labels.no_tasks;
            list.replaceChildren(empty);
            return;
        }
        list.replaceChildren(
            ...tasks.map((task) => {
                const item = document.createElement("li");
                const startButton = document.createElement("button");
                startButton.type = "button";
                startButton.className = "xt-task";
                startButton.dataset.id = task.id;
                startButton.textContent = task.name;
                startButton.addEventListener("click", () => start(task));
                const addButton = document.createElement("button");
                addButton.type = "button";
                addButton.className = "xt-add";
                addButton.dataset.id = task.id;
                addButton.textContent = "+";
                addButton.setAttribute("aria-label", `+ ${task.name}`);
                addButton.addEventListener("click", () => openManual(task));
                item.append(startButton, addButton);
                return item;
            })
        );
    }

    // -- wiring ----------------------------------------------------------------------------------
    $("xt-stop").addEventListener("click", stop);
    $("xt-discard").addEventListener("click", discard);
    $("xt-offer-discard").addEventListener("click", () => answerIdle(true));
    $("xt-offer-keep").addEventListener("click", () => answerIdle(false));
    for (const type of ACTIVITY_EVENTS) {
        document.addEventListener(type, activity, { capture: true, passive: true });
    }
    $("xt-desc").addEventListener("input", describeLater);
    $("xt-search").addEventListener("input", searchLater);
    $("xt-m-add").addEventListener("click", addManual);
    $("xt-m-cancel").addEventListener("click", () => ($("xt-manual").hidden = true));
    window.addEventListener("online", () => flush());
    document.addEventListener("visibilitychange", () => document.visibilityState === "visible" && refresh());
    setInterval(tick, 1000);
    setInterval(() => refresh(), POLL_MS);

    if ("serviceWorker" in navigator) {
        navigator.serviceWorker.register(`${document.body.dataset.app}/sw.js`, { scope: document.body.dataset.app });
    }
    window.xeroTimerApp = { state, flush, refresh }; // for tests and debugging
    showRemembered(); // at once, also when the app opens offline
    search();
    refresh();
})();
