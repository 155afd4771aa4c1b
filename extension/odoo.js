/* The extension's Odoo client, shared by the popup, the options page and the background worker.
 *
 * Calls the timer's methods over Odoo's JSON-2 API (POST /json/2/xero.timer/<method>) with the user's
 * own API key as a bearer token: no password and no session cookie is ever sent. Actions that change the
 * timer go through xero_queued with a fresh key, so a click retried after a lost answer acts once. */
/* exported XeroOdoo */
var XeroOdoo = (() => {
    "use strict";

    const ext = globalThis.browser || globalThis.chrome;

    class XeroError extends Error {
        constructor(kind, message) {
            super(message);
            this.kind = kind; // "setup", "offline", "unauthorized" or "server"
        }
    }

    async function settings() {
        const stored = await ext.storage.local.get("settings");
        return stored.settings || null;
    }

    function serverOrigin(url) {
        const parsed = new URL(String(url || "").trim());
        if (!["http:", "https:"].includes(parsed.protocol)) {
            throw new XeroError("setup", "The server address starts with https:// (or http://).");
        }
        return parsed.origin;
    }

    async function call(method, params = {}, config = null) {
        const cfg = config || (await settings());
        if (!cfg || !cfg.server || !cfg.apiKey) {
            throw new XeroError("setup", "Open the extension's options to connect it to Odoo.");
        }
        const headers = { "Content-Type": "application/json", Authorization: `bearer ${cfg.apiKey}` };
        if (cfg.database) {
            headers["X-Odoo-Database"] = cfg.database;
        }
        let response;
        try {
            response = await fetch(`${cfg.server}/json/2/xero.timer/${method}`, {
                method: "POST",
                headers,
                body: JSON.stringify(params),
                credentials: "omit",
                cache: "no-store",
            });
        } catch {
            throw new XeroError("offline", "The Odoo server cannot be reached.");
        }
        let body = null;
        try {
            body = await response.json();
        } catch {
            body = null;
        }
        if (response.status === 401) {
            throw new XeroError("unauthorized", "Odoo refused the API key: create a new one in your preferences.");
        }
        if (!response.ok) {
            throw new XeroError("server", (body && body.message) || `Odoo answered ${response.status}.`);
        }
        return body;
    }

    function newKey() {
        return crypto.randomUUID();
    }

    function act(action, params = {}) {
        return call("xero_queued", { key: newKey(), action, params });
    }

    function hoursMinutes(seconds) {
        const minutes = Math.floor(Math.max(0, seconds) / 60);
        return `${Math.floor(minutes / 60)}:${String(minutes % 60).padStart(2, "0")}`;
    }

    /** The running timer in the toolbar: its elapsed h:mm on the badge, the client in the tooltip. */
    async function showTimer(timer) {
        await ext.storage.local.set({ timer: timer || null, timerAt: Date.now() });
        const text = timer ? hoursMinutes(timer.elapsed_seconds) : "";
        await ext.action.setBadgeBackgroundColor({ color: "#13b5ea" });
        await ext.action.setBadgeText({ text });
        await ext.action.setTitle({ title: timer ? `${timer.task_name} — ${text}` : "Xero Timer" });
    }

    async function showProblem(error) {
        await ext.action.setBadgeBackgroundColor({ color: "#b42318" });
        await ext.action.setBadgeText({ text: error.kind === "offline" ? "" : "!" });
        await ext.action.setTitle({ title: `Xero Timer: ${error.message}` });
    }

    /** Ask Odoo for the running timer and show it (the web client or another device may have changed it). */
    async function refresh() {
        try {
            const { timer } = await call("xero_current");
            await showTimer(timer);
            return timer;
        } catch (error) {
            if (error.kind !== "setup") {
                await showProblem(error);
            }
            throw error;
        }
    }

    return { ext, XeroError, settings, serverOrigin, call, act, hoursMinutes, showTimer, refresh };
})();
