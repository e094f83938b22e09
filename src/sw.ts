/**
 * The service worker (vite-plugin-pwa, injectManifest).
 *
 * - Precaches every built asset (page, scripts, worker chunks, icons, the sample recording), so the app
 *   starts and plays offline.
 * - Adds COOP/COEP/CORP to every same-origin response, precached or not, so a static host that sends no
 *   such headers still yields a cross-origin-isolated page (after one reload: src/app/pwa.ts).
 * - Receives files shared to the installed app (manifest `share_target`) and parks them in Cache Storage
 *   for src/app/launch.ts.
 * - Never activates a new version by itself: it waits for {type: 'SKIP_WAITING'}, sent when the user
 *   presses "Reload".
 */
import { clientsClaim, type WorkboxPlugin } from 'workbox-core';
import {
  addPlugins,
  cleanupOutdatedCaches,
  createHandlerBoundToURL,
  precacheAndRoute,
} from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';
import { SHARE_INBOX_CACHE, SHARE_NAME_HEADER, SHARE_TARGET_FLAG } from './app/share-inbox';

declare let self: ServiceWorkerGlobalScope;

/** The form field the manifest's share_target names for files. */
const SHARE_FILES_FIELD = 'recordings';
const shareTargetPath = new URL('share-target', self.registration.scope).pathname;

/** Copies a response with the isolation headers set; opaque and error responses pass unchanged. */
function withIsolationHeaders(response: Response): Response {
  if (response.type === 'opaque' || response.type === 'opaqueredirect') return response;
  if (response.status < 200 || response.status > 599) return response;
  const headers = new Headers(response.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

const isolationPlugin: WorkboxPlugin = {
  handlerWillRespond: async ({ response }) => withIsolationHeaders(response),
};

/** Stores each shared file under a unique URL, then sends the page to the app, which picks them up. */
async function receiveShare(request: Request): Promise<Response> {
  const redirect = new URL(`./?${SHARE_TARGET_FLAG}=1`, self.registration.scope).href;
  try {
    const form = await request.formData();
    const cache = await caches.open(SHARE_INBOX_CACHE);
    const stamp = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    let i = 0;
    for (const entry of form.getAll(SHARE_FILES_FIELD)) {
      if (typeof entry === 'string') continue;
      const key = new URL(`share-inbox/${stamp}/${i++}`, self.registration.scope).href;
      const headers = new Headers({
        'Content-Type': entry.type || 'application/octet-stream',
        // Header values are ByteStrings: percent-encode so any file name survives.
        [SHARE_NAME_HEADER]: encodeURIComponent(entry.name),
        'Last-Modified': new Date(entry.lastModified).toUTCString(),
      });
      await cache.put(key, new Response(entry, { headers }));
    }
  } catch (e) {
    // A malformed post still lands in the app; it simply finds no files to open.
    console.warn('share target: could not read the shared files', e);
  }
  return Response.redirect(redirect, 303);
}

// Registered before any workbox route, so it sees share-target posts first.
self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'POST') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname !== shareTargetPath) return;
  event.respondWith(receiveShare(request));
  event.stopImmediatePropagation();
});

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (typeof data === 'object' && data !== null && 'type' in data && data.type === 'SKIP_WAITING') {
    void self.skipWaiting();
  }
});

addPlugins([isolationPlugin]);
precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
registerRoute(
  ({ url, request }) => url.origin === self.location.origin && request.method === 'GET',
  new NetworkOnly({ plugins: [isolationPlugin] }),
);
clientsClaim();
