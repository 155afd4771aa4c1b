/* Keeps the toolbar badge in step with the timer in Odoo: polls xero_current every 30 seconds. */
/* global XeroOdoo, importScripts */
if (typeof XeroOdoo === "undefined" && typeof importScripts === "function") {
    importScripts("odoo.js"); // Chromium's service worker; Firefox loads odoo.js from the manifest
}

const POLL = "xero-timer-poll";

function poll() {
    XeroOdoo.refresh().catch(() => {}); // shown on the badge; nothing else to do until the next poll
}

XeroOdoo.ext.alarms.get(POLL).then((alarm) => {
    if (!alarm) {
        XeroOdoo.ext.alarms.create(POLL, { periodInMinutes: 0.5 });
    }
});
XeroOdoo.ext.alarms.onAlarm.addListener((alarm) => alarm.name === POLL && poll());
XeroOdoo.ext.runtime.onStartup.addListener(poll);
XeroOdoo.ext.runtime.onInstalled.addListener(poll);
XeroOdoo.ext.storage.onChanged.addListener((changes) => changes.settings && poll());
