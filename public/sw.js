// EzLift's service worker: keeps the app shell (pages, wasm, JS, CSS) so that a reload
// without network still opens the app; the data then comes from the IndexedDB replica.
//
// Network first, always: online, every page and asset is fresh (a new deploy never meets
// an old bundle); offline, the last copy answers. The sync API is never cached.
const CACHE = 'ezlift-shell-v4';
const SHELL = ['/pkg/ezlift.js', '/pkg/ezlift.wasm', '/pkg/ezlift.css', '/favicon.svg'];
// The release bundle is split per page: its loader and the manifest naming each page's
// modules. Every module is kept at install, so a page never opened online opens offline.
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

self.addEventListener('install', (event) => {
  event.waitUntil(install().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

const OFFLINE_PAGE = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Offline · EzLift</title>
<link rel="stylesheet" href="/pkg/ezlift.css"></head><body><main class="page">
<h1>You are offline</h1><p>This page has not been opened on this device yet.
<a href="/programs">Open your programs</a>, which work offline.</p></main></body></html>`;

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') {
      await cache.put(request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    if (request.mode === 'navigate') {
      return new Response(OFFLINE_PAGE, {
        status: 503,
        headers: { 'content-type': 'text/html; charset=utf-8' },
      });
    }
    throw error;
  }
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
  if (request.method !== 'GET' || url.pathname.startsWith('/api/') || url.pathname.startsWith('/auth/')) {
    return;
  }
  event.respondWith(networkFirst(request));
});
