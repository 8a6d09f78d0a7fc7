// The examiner's service worker, served at /sw.js (scope /).
// - app shell (task list, visit page, CSS, JS, icon): cache-first, so a visit page reopens with no network;
//   any /tasks/<id> opens from the one cached visit page, whose script draws the task from the pack;
// - the task pack /api/pack: network-first, the cached copy when offline;
// - photos' thumbnails: cache-first (a returned task's previous photos offline);
// - POSTs and everything else: never cached.
// The server may list the shell's content-hashed URLs in SHELL (a change of them installs a new worker);
// the worker also precaches every /static/ URL the task list page names.
var SHELL = [];
var CACHE = 'fieldcheck-' + (SHELL.join(',').length ? hashOf(SHELL.join(',')) : 'v1');
importScripts(SHELL.filter(function (u) { return /\/static\/store[^\/]*\.js/.test(u); })[0] || '/static/store.js');

function hashOf(s) {
  var h = 5381;
  for (var i = 0; i < s.length; i++) h = (h * 33 + s.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}
function ok(r) { return r && r.ok && !r.redirected && r.type === 'basic'; }

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return fetch('/tasks', { credentials: 'same-origin' }).then(function (r) {
      if (!ok(r)) return null;
      return r.clone().text().then(function (html) {
        var urls = SHELL.slice(), m, re = /(?:href|src)="(\/static\/[^"]+)"/g;
        while ((m = re.exec(html))) if (urls.indexOf(m[1]) < 0) urls.push(m[1].replace(/&amp;/g, '&'));
        var visit = /href="(\/tasks\/\d+)"/.exec(html);
        // One by one: a missing file must not leave the others out.
        return Promise.all([cache.put('/tasks', r)].concat(urls.map(function (u) {
          return cache.add(u).catch(function () { return null; });
        }), visit ? [
          fetch(visit[1], { credentials: 'same-origin' }).then(function (v) { if (ok(v)) return cache.put('/visit-shell', v); })
        ] : []));
      });
    }).catch(function () { return null; });  // installed anyway; pages fill the cache as they are opened
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf('fieldcheck-') === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function fromNetwork(request, cache, keys) {
  return fetch(request).then(function (r) {
    if (ok(r)) keys.forEach(function (k) { cache.put(k, r.clone()); });
    return r;
  });
}

self.addEventListener('fetch', function (event) {
  var req = event.request, url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== location.origin) return;
  var path = url.pathname, visit = /^\/tasks\/\d+$/.test(path);
  if (req.mode === 'navigate' && (path === '/tasks' || visit)) {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(visit ? '/visit-shell' : '/tasks').then(function (hit) {
        return hit || fromNetwork(req, cache, [visit ? '/visit-shell' : '/tasks']).catch(function () {
          return cache.match('/tasks').then(function (list) { return list || Response.error(); });
        });
      });
    }));
  } else if (path === '/api/pack') {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return fromNetwork(req, cache, ['/api/pack']).then(function (r) {
        return r.status >= 500 ? cache.match('/api/pack').then(function (c) { return c || r; }) : r;
      }, function () {
        return cache.match('/api/pack').then(function (c) { return c || Response.error(); });
      });
    }));
  } else if (path.indexOf('/static/') === 0 && /\.(js|css)$/.test(path) && !/\.[0-9a-f]{12}\.\w+$/.test(path)) {
    // A script or stylesheet under its plain name may change with a deploy: the network first, the cache
    // when offline. (Icons under their plain names, as the manifest names them, stay cache-first.)
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return fromNetwork(req, cache, [req]).catch(function () {
        return cache.match(req, { ignoreVary: true }).then(function (c) { return c || Response.error(); });
      });
    }));
  } else if (path.indexOf('/static/') === 0 || /^\/photos\/[0-9a-f]{64}\/thumb$/.test(path) ||
             path === '/manifest.webmanifest' || path === '/favicon.ico') {
    event.respondWith(caches.open(CACHE).then(function (cache) {
      return cache.match(req, { ignoreVary: true }).then(function (hit) { return hit || fromNetwork(req, cache, [req]); });
    }));
  }
});

// Background Sync: one more chance to send the outbox; the pages send too (on load, online, a timer).
self.addEventListener('sync', function (event) {
  // Rejected while visits are still waiting, so that the browser tries again later.
  if (event.tag === 'outbox') event.waitUntil(self.FC.flush(true).then(function () { return self.FC.db.all('outbox'); })
    .then(function (items) { if (items.some(function (i) { return i.state !== 'refused'; })) throw new Error('waiting'); }));
});
self.addEventListener('message', function (event) {
  if (event.data === 'flush') event.waitUntil(self.FC.flush(true));
});
