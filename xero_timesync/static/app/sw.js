/* Service worker of the Xero Timer app (served as /xero/timer/sw.js, scope /xero/timer).
 * It keeps the app's shell (page, script, style, icons) so the app opens without a network; the
 * JSON-RPC calls are never cached nor answered here: the page queues them while offline. */
const CACHE = "xero-timer-v1";
const SHELL = [
    "/xero/timer",
    "/xero_timesync/static/app/app.js",
    "/xero_timesync/static/app/app.css",
    "/xero_timesync/static/app/icon-192.png",
];

self.addEventListener("install", (event) => {
    event.waitUntil(
        caches
            .open(CACHE)
            .then((cache) => cache.addAll(SHELL))
            .then(() => self.skipWaiting())
    );
});

self.addEventListener("activate", (event) => {
    event.waitUntil(
        caches
            .keys()
            .then((keys) => Promise.all(keys.filter((key) => key !== CACHE).map((key) => caches.delete(key))))
            .then(() => self.clients.claim())
    );
});

self.addEventListener("fetch", (event) => {
    const request = event.request;
    const url = new URL(request.url);
    if (request.method !== "GET" || url.origin !== self.location.origin) {
        return; // JSON-RPC posts go to the network as they are
    }
    const shellUrl = url.pathname === "/xero/timer" ? "/xero/timer" : SHELL.includes(url.pathname) && url.pathname;
    if (!shellUrl) {
        return;
    }
    // network first (a fresh page when online, e.g. after a new version), the kept shell when offline
    event.respondWith(
        fetch(request)
            .then((response) => {
                if (response.ok && !response.redirected) {
                    const copy = response.clone();
                    caches.open(CACHE).then((cache) => cache.put(shellUrl, copy));
                }
                return response;
            })
            .catch(() => caches.match(shellUrl).then((cached) => cached || Response.error()))
    );
});
