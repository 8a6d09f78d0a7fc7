// The examiner's phone storage (IndexedDB, no library) and the outbox sender.
// No DOM here: the service worker imports this file too (Background Sync).
// Stores: kv (pack, csrf token, last sync), drafts (one per task), photos (Blobs), outbox (visits).
(function (g) {
  'use strict';
  var dbp = null, sending = null, listeners = [];

  function open() {
    if (dbp) return dbp;
    dbp = new Promise(function (resolve, reject) {
      var r = indexedDB.open('fieldcheck', 1);
      r.onupgradeneeded = function () {
        var d = r.result;
        d.createObjectStore('kv');
        d.createObjectStore('drafts', { keyPath: 'task' });
        d.createObjectStore('photos', { keyPath: 'id' });
        d.createObjectStore('outbox', { keyPath: 'uuid' });
      };
      r.onsuccess = function () { resolve(r.result); };
      r.onerror = function () { dbp = null; reject(r.error); };
    });
    return dbp;
  }
  // Run fn(store) in one transaction; resolves with fn's request result once committed.
  function tx(name, mode, fn) {
    return open().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction(name, mode), out, r = fn(t.objectStore(name));
        if (r) r.onsuccess = function () { out = r.result; };
        t.oncomplete = function () { resolve(out); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  var db = {
    get: function (s, k) { return tx(s, 'readonly', function (o) { return o.get(k); }); },
    all: function (s) { return tx(s, 'readonly', function (o) { return o.getAll(); }); },
    put: function (s, v, k) { return tx(s, 'readwrite', function (o) { return k === undefined ? o.put(v) : o.put(v, k); }); },
    del: function (s, k) { return tx(s, 'readwrite', function (o) { return o.delete(k); }); }
  };

  function emit(what, data) { listeners.forEach(function (f) { try { f(what, data); } catch (e) { /* a listener's bug */ } }); }
  function now() { return new Date().toISOString(); }

  // Forget the cached pages (task list, visit page): the next visit with a network fetches them again.
  function dropShell() {
    if (!g.caches) return Promise.resolve();
    return caches.keys().then(function (keys) {
      return Promise.all(keys.filter(function (k) { return k.indexOf('fieldcheck-') === 0; }).map(function (k) {
        return caches.open(k).then(function (c) { return Promise.all([c.delete('/tasks'), c.delete('/visit-shell')]); });
      }));
    });
  }

  // The CSRF token: from the page when there is one, else the last one a page saved.
  function token(fresh) {
    if (!fresh) {
      var m = g.document && document.querySelector('meta[name=csrf-token]');
      if (m) return Promise.resolve(m.getAttribute('content'));
      return db.get('kv', 'csrf');
    }
    // A page cached by the service worker may carry the token of an older session.
    // redirect: 'manual': signed out, the redirect to the login page is not followed, since loading that
    // page would give the session a new token under the feet of someone signing in on it.
    return fetch('/tasks', { credentials: 'same-origin', cache: 'no-store', redirect: 'manual' }).then(function (r) {
      if (!r.ok) throw { status: 401, transient: true };
      return r.text();
    }).then(function (html) {
        var m = /name="csrf-token" content="([^"]+)"/.exec(html);
        if (!m) throw { status: 0, transient: true };
        var meta = g.document && document.querySelector('meta[name=csrf-token]');
        if (meta) meta.setAttribute('content', m[1]);
        // The cached pages carry the old session's token: fetch them anew next time.
        return Promise.all([db.put('kv', m[1], 'csrf'), dropShell()]).then(function () { return m[1]; });
      });
  }

  // One request; resolves with the JSON body on 2xx, rejects with {status, code, message}.
  // onprogress (0..1) is used for photo uploads where XMLHttpRequest exists (pages, not the worker).
  function call(method, url, body, onprogress, retried) {
    return token(retried).then(function (csrf) {
      var p;
      if (g.XMLHttpRequest && onprogress) {
        p = new Promise(function (resolve) {
          var x = new XMLHttpRequest();
          x.open(method, url);
          x.setRequestHeader('X-CSRFToken', csrf);
          x.setRequestHeader('Accept', 'application/json');
          x.upload.onprogress = function (e) { if (e.lengthComputable) onprogress(e.loaded / e.total); };
          x.onload = function () { resolve({ status: x.status, text: x.responseText, type: x.getResponseHeader('Content-Type') || '' }); };
          x.onerror = x.ontimeout = function () { resolve({ status: 0 }); };
          x.send(body);
        });
      } else {
        var headers = { 'X-CSRFToken': csrf, 'Accept': 'application/json' };
        if (typeof body === 'string') headers['Content-Type'] = 'application/json';
        p = fetch(url, { method: method, body: body, headers: headers, credentials: 'same-origin', cache: 'no-store' })
          .then(function (r) { return r.text().then(function (t) { return { status: r.status, text: t, type: r.headers.get('Content-Type') || '' }; }); },
                function () { return { status: 0 }; });
      }
      return p;
    }).then(function (r) {
      var data = null;
      if (r.type && r.type.indexOf('json') >= 0) { try { data = JSON.parse(r.text); } catch (e) { data = null; } }
      if (r.status >= 200 && r.status < 300 && data) return data;
      if (r.status === 400 && data && data.error === 'csrf' && !retried) return call(method, url, body, onprogress, true);
      // Network loss, 5xx, a redirect to the login page (HTML), 408/429: worth retrying later.
      var transient = !r.status || r.status >= 500 || r.status === 408 || r.status === 429 || !data ||
        (r.status === 401);
      throw { status: r.status, code: data && data.error, message: data && data.message, transient: transient };
    });
  }
  function postJSON(url, obj) { return call('POST', url, JSON.stringify(obj)); }

  function backoff(tries) { return Math.min(300, 4 * Math.pow(2, Math.max(0, tries - 1))) * 1000; }

  // Send one visit: the blind count if still only on the phone, the photos the server lacks (one at a
  // time), then the visit itself. Local copies are deleted only after the server's 2xx.
  function sendItem(item) {
    var base = '/api/tasks/' + item.task;
    item.tries = (item.tries || 0) + 1;
    item.last_try = now();
    item.state = 'sending';
    return db.put('outbox', item).then(function () {
      emit('sending', item);
      if (!item.blind || item.blind.revealed) return null;
      return postJSON(base + '/reveal', { observed_qty: item.blind.qty, counted_at: item.blind.at }).then(function (r) {
        item.blind.revealed = true;
        item.revealed = r;
        return db.put('outbox', item);
      });
    }).then(function () {
      return Promise.all(item.photos.map(function (id) { return db.get('photos', id); }));
    }).then(function (photos) {
      photos = photos.filter(Boolean);
      var shas = photos.map(function (p) { return p.sha256; }).filter(Boolean);
      var ask = shas.length ? postJSON('/api/photos/have', { sha256: shas }).then(function (r) { return r.have || []; },
        function (e) { if (e.status === 404 || e.status === 405) return []; throw e; }) : Promise.resolve([]);
      return ask.then(function (have) {
        var chain = Promise.resolve(), done = [];
        photos.forEach(function (p) {
          chain = chain.then(function () {
            if (p.sha256 && have.indexOf(p.sha256) >= 0) { done.push(p.sha256); emit('photo', { id: p.id, item: item, progress: 1 }); return; }
            var f = new FormData();
            f.append('photo', p.blob, p.name || 'photo.jpg');
            if (p.sha256) f.append('sha256', p.sha256);
            if (p.original_sha256) f.append('original_sha256', p.original_sha256);
            f.append('original_size', String(p.original_size || p.blob.size));
            if (p.geo) { f.append('lat', p.geo.lat); f.append('lon', p.geo.lon); f.append('accuracy_m', p.geo.accuracy); }
            return call('POST', '/api/photos', f, function (x) { emit('photo', { id: p.id, item: item, progress: x }); })
              .then(function (r) {
                done.push(r.sha256);
                if (!p.sha256) { p.sha256 = r.sha256; return db.put('photos', p); }
              });
          });
        });
        return chain.then(function () { return done; });
      });
    }).then(function (shas) {
      var body = {};
      for (var k in item.body) body[k] = item.body[k];
      body.photo_sha256 = (item.keep || []).concat(shas);  // a returned task's earlier photos are on the server
      return postJSON(base + '/verifications', body);
    }).then(function (result) {
      return Promise.all(item.photos.map(function (id) { return db.del('photos', id); }))
        .then(function () { return db.get('drafts', item.task); })
        .then(function (d) { return d && d.uuid === item.uuid ? db.del('drafts', item.task) : null; })
        .then(function () { return db.del('outbox', item.uuid); })
        .then(function () { return db.put('kv', { at: now(), task: item.task, id: result.id }, 'delivered'); })
        .then(function () { emit('delivered', { item: item, result: result }); });
    }, function (err) {
      if (err && err.transient === undefined) err = { status: 0, transient: true, message: String(err) };
      if (err.transient) {
        item.state = 'queued';
        item.next_try = Date.now() + backoff(item.tries);
      } else {
        item.state = 'refused';
        item.code = err.code || '';
      }
      item.error = err.message || '';
      item.status = err.status;
      return db.put('outbox', item).then(function () { emit(item.state, item); });
    });
  }

  // Send every queued visit that is due (all of them when `force`); one sender at a time per origin.
  function flush(force) {
    if (sending) return sending;
    var run = function () {
      return db.all('outbox').then(function (items) {
        items.sort(function (a, b) { return a.queued_at < b.queued_at ? -1 : 1; });
        var chain = Promise.resolve();
        items.forEach(function (it) {
          if (it.state === 'refused' || (!force && it.next_try && it.next_try > Date.now())) return;
          chain = chain.then(function () { return sendItem(it); });
        });
        return chain;
      });
    };
    var locked = g.navigator && navigator.locks ? navigator.locks.request('fieldcheck-outbox', run) : run();
    sending = locked.then(function () { sending = null; emit('idle'); }, function (e) { sending = null; emit('idle'); throw e; });
    return sending;
  }

  g.FC = { db: db, call: call, dropShell: dropShell, postJSON: postJSON, flush: flush, token: token, backoff: backoff,
    on: function (f) { listeners.push(f); } };
})(self);
