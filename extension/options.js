/* Options: the Odoo server, the login and the user's API key, checked against Odoo before they are kept. */
/* global XeroOdoo */
(() => {
    "use strict";

    const { ext } = XeroOdoo;
    const $ = (id) => document.getElementById(id);

    function say(text, isError = false) {
        $("message").textContent = text;
        $("message").className = isError ? "error" : "";
    }

    async function connect(event) {
        event.preventDefault();
        let server;
        try {
            server = XeroOdoo.serverOrigin($("server").value);
        } catch (error) {
            say(error.kind ? error.message : "This is not a web address.", true);
            return;
        }
        // Firefox grants host access on request; Chromium granted it at install (then this returns true at once)
        const granted = await ext.permissions.request({ origins: [`${server}/*`] }).catch(() => true);
        if (!granted) {
            say(`The extension needs access to ${server} to talk to Odoo.`, true);
            return;
        }
        const stored = (await XeroOdoo.settings()) || {};
        const candidate = {
            server,
            database: $("database").value.trim(),
            login: $("login").value.trim(),
            // the kept key is only ever sent to the server it was made on
            apiKey: $("api-key").value.trim() || (stored.server === server ? stored.apiKey : ""),
        };
        if (!candidate.apiKey) {
            say("Paste the API key you created in Odoo.", true);
            return;
        }
        say("Connecting…");
        try {
            const mine = await XeroOdoo.call("xero_my_time", {}, candidate);
            if (mine.user.login.toLowerCase() !== candidate.login.toLowerCase()) {
                say(`This API key belongs to ${mine.user.login}, not ${candidate.login}.`, true);
                return;
            }
            await ext.storage.local.set({ settings: candidate });
            await XeroOdoo.showTimer(mine.timer);
            $("api-key").value = "";
            say(`Connected to ${server} as ${mine.user.name}.`);
        } catch (error) {
            say(error.message, true);
        }
    }

    async function forget() {
        await ext.storage.local.remove(["settings", "timer", "timerAt"]);
        await XeroOdoo.showTimer(null);
        say("Disconnected. Revoke the API key in Odoo if you no longer use it.");
    }

    $("form").addEventListener("submit", connect);
    $("forget").addEventListener("click", forget);
    XeroOdoo.settings().then((cfg) => {
        if (cfg) {
            $("server").value = cfg.server;
            $("database").value = cfg.database || "";
            $("login").value = cfg.login;
            $("api-key").placeholder = "(kept; type a new one to replace it)";
            say(`Connected to ${cfg.server} as ${cfg.login}.`);
        }
    });
})();
