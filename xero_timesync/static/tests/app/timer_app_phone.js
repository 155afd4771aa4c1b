/* Driven by tests/test_timer_app_http.py in a 390×844 touch browser on /xero/timer: a consultant's morning.
 * "xero-test: network off/on" on the console makes the test fail (off) or pass (on) the app's JSON-RPC.
 * It starts with a timer left running on Bolt, idle for 40 minutes: stopping it offers to leave that out. */
(async () => {
    const $ = (selector) => document.querySelector(selector);
    const app = () => window.xeroTimerApp.state;
    async function waitFor(check, what, ms = 15000) {
        const end = Date.now() + ms;
        for (;;) {
            const value = check();
            if (value) {
                return value;
            }
            if (Date.now() > end) {
                throw new Error(`waited in vain for: ${what}`);
            }
            await new Promise((resolve) => setTimeout(resolve, 50));
        }
    }
    function tap(element) {
        const box = element.getBoundingClientRect();
        const at = { bubbles: true, cancelable: true, clientX: box.x + box.width / 2, clientY: box.y + box.height / 2 };
        const touch = new Touch({ identifier: 1, target: element, clientX: at.clientX, clientY: at.clientY });
        element.dispatchEvent(new PointerEvent("pointerdown", { ...at, pointerType: "touch", isPrimary: true }));
        element.dispatchEvent(new TouchEvent("touchstart", { ...at, touches: [touch], changedTouches: [touch] }));
        element.dispatchEvent(new PointerEvent("pointerup", { ...at, pointerType: "touch", isPrimary: true }));
        element.dispatchEvent(new TouchEvent("touchend", { ...at, touches: [], changedTouches: [touch] }));
        element.click();
    }
    function type(element, text) {
        element.focus();
        for (const char of text) {
            element.value += char;
            element.dispatchEvent(new InputEvent("input", { bubbles: true, data: char, inputType: "insertText" }));
        }
    }
    const idle = () => app().queue.length === 0 && !app().flushing;
    const taskButton = (name, cls = ".xt-task") =>
        [...document.querySelectorAll(cls)].find((button) => (button.getAttribute("aria-label") || button.textContent).includes(name));
    try {
        await waitFor(() => $("#xt-user").textContent === "Tim Keeper", "my time loaded");
        if (window.innerWidth !== 390 || !("ontouchstart" in window)) {
            throw new Error(`not a phone: ${window.innerWidth} px, touch ${"ontouchstart" in window}`);
        }
        // yesterday's timer, idle: Stop asks first; the consultant keeps the time
        await waitFor(() => $("#xt-client").textContent === "Bolt Electrics" && !$("#xt-running").hidden, "Bolt runs");
        tap($("#xt-stop"));
        await waitFor(() => !$("#xt-offer").hidden && /idle/.test($("#xt-offer-text").textContent), "the idle offer");
        if ($("#xt-running").hidden) {
            throw new Error("the timer must run on while the consultant decides");
        }
        tap($("#xt-offer-keep"));
        await waitFor(() => $("#xt-running").hidden && $("#xt-offer").hidden && idle(), "Bolt stopped");
        await window.xeroTimerApp.refresh();
        const minutes = (text) => text.split(":").reduce((h, m) => Number(h) * 60 + Number(m));
        const clockOf = (total) => `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
        const [today, week] = [minutes($("#xt-today").textContent), minutes($("#xt-week").textContent)];

        // the shell is kept for offline use
        await navigator.serviceWorker.ready;
        const shell = await waitFor(() => caches.match("/xero/timer"), "the offline shell cached");
        if (!(await shell.text()).includes('id="xt-search"')) {
            throw new Error("the cached shell is not the app's page");
        }

        type($("#xt-search"), "Acme");
        await waitFor(() => document.querySelectorAll(".xt-task").length === 1 && taskButton("Acme"), "Acme found");
        tap(taskButton("Acme"));
        await waitFor(() => !$("#xt-running").hidden && idle(), "timer started");
        type($("#xt-desc"), "Fixed the boiler");
        if ($("#xt-client").textContent !== "Acme Plumbing") {
            throw new Error(`running on ${$("#xt-client").textContent}`);
        }

        console.log("xero-test: network off");
        tap($("#xt-stop"));
        await waitFor(() => $("#xt-status").textContent.includes("1"), "the stop waits offline");
        tap(taskButton("Acme", ".xt-add"));
        $("#xt-m-hours").value = "1.5";
        type($("#xt-m-desc"), "Quote");
        tap($("#xt-m-add"));
        await waitFor(() => app().queue.length === 2 && !app().online, "two actions queued offline");
        if (!$("#xt-running").hidden) {
            throw new Error("the stopped timer still shows");
        }
        console.log("xero-test: network on");
        await waitFor(
            () => idle() && app().online && $("#xt-today").textContent === clockOf(today + 105),
            "queue sent, today's total"
        );
        if ($("#xt-week").textContent !== clockOf(week + 105) || !$("#xt-running").hidden) {
            throw new Error(`week ${$("#xt-week").textContent}`);
        }
        console.log("test successful");
    } catch (error) {
        console.error(`timer app: ${error.message}`);
    }
})();
