// EzLift's service worker: keeps the app shell (pages, wasm, JS, CSS) so that the app
// opens without network; the data then comes from the IndexedDB replica.
//
// Network first, always: online, every page and asset is fresh (a new deploy never meets
// an old bundle); offline, the last copy answers. A page this device has no copy of (it
// was opened while this worker was installing, or never) gets the app shell, a document
// whose script renders the page in the browser from the replica. The API is never cached.
const CACHE = 'ezlift-shell-v6';
const APP_SHELL = '/app-shell';
const SHELL = [
  APP_SHELL,
  '/pkg/ezlift.js',
  '/pkg/ezlift.wasm',
  '/pkg/ezlift.css',
  '/favicon.svg',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
];
// A split build (the default) cuts the bundle per page: its loader and the manifest
// naming each page's modules. Every module is kept at install, so a page never opened
// online opens offline. A build without split has neither, and one module for all.
const SPLIT_LOADER = '/pkg/__wasm_split.______________________.js';
const SPLIT_MANIFEST = '/pkg/__wasm_split_manifest.json';

async function splitModules() {
  const response = await fetch(SPLIT_MANIFEST);
  if (!response.ok) return [];
  const manifest = await response.json();
  const files = new Set(Object.values(manifest).flat().map((name) => `/pkg/${name}.wasm`));
  return [SPLIT_LOADER, ...files];
}

async function install() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  await cache.addAll(await splitModules());
}

// The pages open while this worker installed were fetched without it: keep a copy of
// each now, so they open offline as they were (the app shell covers any other page).
async function keepOpenPages() {
  const cache = await caches.open(CACHE);
  const windows = await self.clients.matchAll({ type: 'window' });
  await Promise.all(
    windows.map(async (client) => {
      const url = new URL(client.url);
      if (url.origin !== self.location.origin || !cacheable(url)) return;
      try {
        const response = await fetch(url.href, { credentials: 'same-origin' });
        if (response.ok && !response.redirected) await cache.put(url.href, response);
      } catch (error) {
        // Offline already: the app shell answers for it.
      }
    }),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(install().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
      .then(keepOpenPages),
  );
});

const OFFLINE_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · EzLift</title>
<link rel="stylesheet" href="/pkg/ezlift.css"></head><body><main class="page">
<h1>You are offline</h1><p>EzLift could not be opened: connect once to finish setting it up on
this device.</p></main></body></html>`;

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic' && !response.redirected) {
      await cache.put(request, response.clone());
    }
    // The server is up but its database is not (503): the replica still has the data.
    if (response.status === 503 && request.mode === 'navigate') {
      const copy = (await cache.match(request, { ignoreVary: true })) ?? (await cache.match(APP_SHELL));
      if (copy) return copy;
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    if (request.mode === 'navigate') {
      const shell = await cache.match(APP_SHELL);
      if (shell) return shell;
      return new Response(OFFLINE_PAGE, {
        status: 503,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    }
    throw error;
  }
}

function cacheable(url) {
  return !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/auth/');
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === 'POST' && (url.pathname === '/auth/logout' || url.pathname === '/api/auth/logout')) {
    // The next user of this browser must not be shown this user's pages.
    event.respondWith(caches.delete(CACHE).then(() => fetch(request)));
    return;
  }
  if (request.method !== 'GET' || !cacheable(url)) return;
  event.respondWith(networkFirst(request));
  if (request.mode === 'navigate') event.waitUntil(refill());
});

// A sign-out empties the cache; the next page opened online fills it again.
async function refill() {
  const cache = await caches.open(CACHE);
  if (await cache.match(APP_SHELL)) return;
  try {
    await install();
  } catch (error) {
    // Offline: the next navigation tries again.
  }
}

// A rest alert pushed by the server (the page's own timer stops when a phone locks). Chrome
// requires every push to show a notification; the tag makes the page's own alert and the
// pushed one the same notification.
self.addEventListener('push', (event) => {
  let message = {};
  try {
    message = event.data ? event.data.json() : {};
  } catch (error) {
    // Not ours, or damaged: still say something rather than Chrome's generic notice.
  }
  const title = message.title || 'EzLift';
  event.waitUntil(
    self.registration.showNotification(title, {
      body: message.body || '',
      tag: message.tag || 'ezlift',
      icon: '/icons/icon-192.png',
      badge: '/icons/icon-192.png',
      vibrate: [300, 100, 300],
      data: { url: message.url || '/workout', endsAt: message.ends_at || null },
    }),
  );
});

// A tap opens the logger: in a window of the app if one is open, else a new one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/workout', self.location.origin);
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const ours = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (ours) {
        const focused = await ours.focus();
        if (new URL(focused.url).pathname === url.pathname) return;
        try {
          await focused.navigate(url.href);
          return;
        } catch (error) {
          // A window this worker does not control cannot be sent elsewhere: open one.
        }
      }
      await self.clients.openWindow(url.href);
    })(),
  );
});

// The push service replaced the subscription (it expired, or keys rotated): subscribe
// again with the server's key and tell the server, so rest alerts keep coming.
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const send = (method, path, body) =>
        fetch(path, {
          method,
          credentials: 'same-origin',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      if (event.oldSubscription) {
        await send('DELETE', '/api/push/subscription', { endpoint: event.oldSubscription.endpoint });
      }
      const key = await (await fetch('/api/push/key')).json();
      const subscription =
        event.newSubscription ||
        (await self.registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: key.publicKey,
        }));
      await send('PUT', '/api/push/subscription', subscription.toJSON());
    })(),
  );
});
