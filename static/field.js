// The examiner's pages (task list and visit), drawn from the task pack so they open with no network.
// Every field is saved on the phone as typed (IndexedDB, static/store.js); 提交 puts the visit in the
// outbox, which sends when it can. Every word shown comes from the page's #fc-strings (Babel).
// Without this script the server's plain pages and form still work.
(function () {
  'use strict';
  var FC = window.FC, db = FC.db, el = document.getElementById('fc-strings');
  if (!el || !window.indexedDB || !window.Promise) return;
  var S = JSON.parse(el.textContent), root = document.documentElement, states = byId('fc-states');
  if (states) { states = JSON.parse(states.textContent); for (var st in states) S['state_' + st] = states[st]; }
  var path = location.pathname, m = /^\/tasks\/(\d+)$/.exec(path), taskId = m ? +m[1] : null;
  var pack = null, tz = 'Asia/Shanghai';

  // ---- small helpers -------------------------------------------------------------------
  function fmt(key, v) { return (S[key] || key).replace(/\{(\w+)\}/g, function (_, k) { return v && v[k] !== undefined ? v[k] : ''; }); }
  function h(tag, attrs, kids) {
    var n = document.createElement(tag);
    for (var k in attrs || {}) {
      var v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') n.textContent = v;
      else if (k.indexOf('on') === 0) n.addEventListener(k.slice(2), v);
      else if (v === true) n.setAttribute(k, '');
      else n.setAttribute(k, v);
    }
    (kids || []).forEach(function (c) { if (c) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return n;
  }
  function byId(id) { return document.getElementById(id); }
  function time(iso) {  // in the cycle's time zone (Asia/Shanghai), whatever the phone's zone
    if (!iso) return '';
    var d = new Date(iso);
    try {
      return new Intl.DateTimeFormat(root.lang, { timeZone: tz, month: '2-digit', day: '2-digit', hour: '2-digit',
        minute: '2-digit', hour12: false }).format(d);
    } catch (e) {
      var x = new Date(d.getTime() + 8 * 3600e3);  // Asia/Shanghai has no daylight saving
      return x.toISOString().slice(5, 16).replace('T', ' ');
    }
  }
  function kb(n) { return Math.max(1, Math.round(n / 1024)); }
  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16)), x = [];
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    for (var i = 0; i < 16; i++) x.push((b[i] + 256).toString(16).slice(1));
    return x.slice(0, 4).join('') + '-' + x.slice(4, 6).join('') + '-' + x.slice(6, 8).join('') + '-' +
      x.slice(8, 10).join('') + '-' + x.slice(10).join('');
  }

  // ---- pack, outbox count, sending triggers -----------------------------------------------
  function loadPack() {
    return fetch('/api/pack', { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        if (!r.ok || (r.headers.get('Content-Type') || '').indexOf('json') < 0) throw r;
        return r.json();
      }).then(function (p) { return db.put('kv', p, 'pack').then(function () { return p; }); })
      .catch(function () { return db.get('kv', 'pack'); })
      .then(function (p) { pack = p || null; if (pack) tz = firstTz(pack); return pack; });
  }
  function firstTz(p) { for (var c in p.cycles) return p.cycles[c].tz || tz; return tz; }
  function packLine() {
    var line = pack ? fmt('pack_at', { t: time(pack.generated_at) }) : S.no_pack;
    return line + (navigator.onLine ? '' : ' · ' + S.offline);
  }
  var outbox = [];
  function refreshCount() {
    return db.all('outbox').then(function (items) {
      outbox = items;
      root.setAttribute('data-outbox-pending', String(items.length));
      return items;
    });
  }
  function send(force) {
    if (!navigator.onLine) return;
    FC.flush(force).catch(function () { /* reported per item */ });
  }
  function syncLater() {
    if (navigator.serviceWorker && window.SyncManager) {
      navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register('outbox'); }).catch(function () {});
    }
  }
  var leaving = false;
  document.addEventListener('click', function (e) {  // moving inside the app keeps the outbox: no warning
    var a = e.target.closest && e.target.closest('a[href^="/"]');
    if (a) leaving = true;
  }, true);
  window.addEventListener('beforeunload', function (e) {
    if (outbox.length && !leaving) { e.preventDefault(); e.returnValue = S.leave_warning; return S.leave_warning; }
  });
  window.addEventListener('online', function () { send(true); redraw(); });
  window.addEventListener('offline', function () { redraw(); });
  setInterval(function () { send(false); }, 3000);
  var redraw = function () {};
  FC.on(function (what, data) {
    refreshCount().then(function () {
      if (what === 'delivered') loadPack().then(function () { redraw(what, data); });
      else redraw(what, data);
    });
  });

  function start() {
    // A page from the service worker's cache is in the language it was stored in: after a switch of
    // language (the `lang` cookie), forget the cached pages and load this one again from the server.
    var lang = /(?:^|; )lang=(zh|en)/.exec(document.cookie);
    if (lang && navigator.onLine && (root.lang.indexOf('zh') === 0 ? 'zh' : 'en') !== lang[1] && !sessionStorage.getItem('fc-relang')) {
      sessionStorage.setItem('fc-relang', '1');
      return FC.dropShell().then(function () { location.reload(); });
    }
    sessionStorage.removeItem('fc-relang');
    var meta = document.querySelector('meta[name=csrf-token]');
    if (meta) db.put('kv', meta.getAttribute('content'), 'csrf');
    if (navigator.serviceWorker) navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(function () {});
    return Promise.all([loadPack(), refreshCount()]).then(function () {
      if (taskId) visitPage(); else if (path === '/tasks') listPage();
      send(true);
    });
  }

  // ---- the task list and the outbox screen ------------------------------------------------
  function storageLine(box) {
    if (!(navigator.storage && navigator.storage.estimate)) return;
    if (navigator.storage.persist) navigator.storage.persist().catch(function () {});
    navigator.storage.estimate().then(function (e) {
      var used = (e.usage || 0) / 1048576, quota = (e.quota || 0) / 1048576, need = 0;
      outbox.forEach(function (i) { need += i.bytes || 0; });
      box.textContent = fmt('storage', { used: used.toFixed(1), quota: Math.round(quota) });
      if (quota && quota - used < Math.max(50, 3 * need / 1048576)) {
        box.appendChild(h('strong', { class: 'error', text: ' ' + S.storage_low }));
      }
    });
  }
  function outboxScreen() {
    var box = h('section', { id: 'outbox', class: 'card' }, [h('h2', { text: fmt('outbox_title', { n: outbox.length }) })]);
    if (!outbox.length) box.appendChild(h('p', { class: 'hint', text: S.outbox_empty }));
    var list = h('ul', { class: 'cards' });
    outbox.forEach(function (i) {
      var t = taskOf(i.task), name = t ? placeName(t) : '#' + i.task;
      var state = i.state === 'refused' ? fmt('refused', { msg: i.error }) : i.status === 401 ? S.login_again :
        i.state === 'sending' ? S.sending : i.error || (i.next_try ? fmt('retry_at', { t: time(new Date(i.next_try).toISOString()) }) : S.queued_short);
      list.appendChild(h('li', { class: 'outbox-item ' + (i.state || 'queued'), 'data-uuid': i.uuid }, [
        h('a', { href: '/tasks/' + i.task, text: name }), h('br'),
        h('small', { text: fmt('outbox_item', { photos: i.photos.length, kb: kb(i.bytes || 0),
          t: i.last_try ? time(i.last_try) : S.never_tried }) }), h('br'),
        h('small', { class: i.state === 'refused' ? 'error' : 'hint', text: state })]));
    });
    box.appendChild(list);
    if (outbox.length) box.appendChild(h('button', { type: 'button', class: 'secondary', id: 'send-now', text: S.send_now,
      onclick: function () { send(true); } }));
    var st = h('p', { class: 'hint', id: 'storage' });
    box.appendChild(st);
    storageLine(st);
    return box;
  }
  function taskOf(id) { return pack && pack.tasks.filter(function (t) { return t.id === id; })[0]; }
  function placeName(t) { return t.place ? t.place.full_name || t.place.name : t.unit; }
  function listPage() {
    var host = byId('tasks');
    if (!host || !pack) { if (host) host.parentNode.insertBefore(h('p', { class: 'hint', id: 'pack-status', text: packLine() }), host); return; }
    var order = { returned: 0, assigned: 1 };
    redraw = function () {
      var waiting = {}, drafts = {};
      outbox.forEach(function (i) { waiting[i.task] = i; });
      db.all('drafts').then(function (ds) {
        ds.forEach(function (d) { drafts[d.task] = d; });
        var tasks = pack.tasks.slice().sort(function (a, b) { return (order[a.state] === undefined ? 2 : order[a.state]) - (order[b.state] === undefined ? 2 : order[b.state]) || a.id - b.id; });
        var ol = h('ol', { class: 'cards', id: 'task-list' });
        tasks.forEach(function (t) {
          var w = waiting[t.id], badge = w ? h('span', { class: 'badge pending', text: w.state === 'refused' ? S.badge_refused : S.badge_pending }) :
            drafts[t.id] ? h('span', { class: 'badge', text: S.badge_draft }) : null;
          ol.appendChild(h('li', { class: 'card', 'data-task': t.id }, [
            h('a', { href: '/tasks/' + t.id }, [h('span', { class: 'state ' + t.state, text: S['state_' + t.state] || t.state }), ' ',
              badge, badge ? ' ' : null, h('strong', { text: placeName(t) }), h('br'),
              (t.claim_text || '').length > 90 ? t.claim_text.slice(0, 88) + '…' : t.claim_text]),
            t.state === 'returned' ? h('p', { class: 'error', text: S.returned + S.colon + t.return_reason }) : null]));
        });
        if (!tasks.length) ol.appendChild(h('li', { text: S.no_tasks }));
        host.textContent = '';
        host.appendChild(h('p', { class: 'hint', id: 'pack-status', text: packLine() }));
        host.appendChild(outboxScreen());
        host.appendChild(ol);
      });
    };
    redraw();
  }

  // ---- the visit page ---------------------------------------------------------------------
  function visitPage() {
    var app = byId('app');
    if (!app) return;
    db.get('drafts', taskId).then(function (d) {
      // A task gone from the pack (reassigned while offline) still opens from the draft's copy.
      visit(taskOf(taskId) || (d && d.snap), d);
    });
  }
  function visit(task, stored) {
    var plain = byId('plain'), app = byId('app');
    if (!task) {  // no pack yet, or the task is not this examiner's any more
      if (plain && +plain.getAttribute('data-task') === taskId) return;
      if (plain) plain.remove();
      app.hidden = false;
      app.appendChild(h('p', { class: 'error box', text: S.no_pack }));
      app.appendChild(h('a', { href: '/tasks', text: S.back }));
      return;
    }
    var typed = byId('blind_qty') ? byId('blind_qty').value : '';  // typed into the plain page before this ran
    if (plain) plain.remove();
    app.hidden = false;
    var cycle = pack.cycles[task.cycle] || {}, draft, saving = Promise.resolve(), best = null, watch = null, openedAt = Date.now();
    var photos = {};  // id -> stored photo record
    var status = h('div', { id: 'visit-status', role: 'status', 'aria-live': 'polite' });

    function newDraft() {
      var p = task.previous || {};
      return { task: taskId, uuid: uuid4(), started_at: new Date().toISOString(), finding: p.finding || '',
        observed_qty: p.observed_qty != null ? String(p.observed_qty) : task.blind_qty != null ? String(task.blind_qty) : '',
        notes: p.notes || '', photos: [], old_photos: (p.photos || []).slice(),
        interviews: (p.interviews || []).map(function (i) { return { respondent: i.respondent, ratings: i.ratings }; }),
        geo: null, readings: [], blind: null };
    }
    var delivered = false;
    function save() {
      if (delivered) return saving;  // the server has the visit: its draft is gone for good
      draft.updated_at = new Date().toISOString();
      draft.snap = task;
      var copy = JSON.parse(JSON.stringify(draft));
      saving = saving.then(function () { return db.put('drafts', copy); });
      return saving;
    }
    function myItem() { return outbox.filter(function (i) { return i.task === taskId; })[0]; }

    Promise.resolve([stored]).then(function (r) {
      draft = r[0] || newDraft();
      if (!r[0] && task.editable) save();
      return Promise.all(draft.photos.map(function (id) { return db.get('photos', id); }));
    }).then(function (ps) {
      ps.forEach(function (p) { if (p) photos[p.id] = p; });
      draft.photos = draft.photos.filter(function (id) { return photos[id]; });
      render();
      redraw = function (what, data) {
        if (data && (data.task === taskId || (data.item && data.item.task === taskId))) {
          if (what === 'delivered') {
            delivered = true;
            task = taskOf(taskId) || task;
            if (watch !== null) navigator.geolocation.clearWatch(watch);
          }
          if (what === 'photo') { var bar = document.querySelector('[data-photo="' + data.id + '"] progress'); if (bar) { bar.hidden = false; bar.value = data.progress; } return; }
          if (what === 'refused' || what === 'delivered') render(); else showStatus();
        } else byId('pack-status').textContent = packLine();
      };
    });

    var geoNote = '';  // how the location wait ended, shown until the page is left
    function showStatus() {
      var it = myItem();
      status.textContent = '';
      status.className = '';
      if (geoNote) setTimeout(function () { status.appendChild(h('p', { class: 'hint', id: 'geo-ended', text: geoNote })); }, 0);
      if (delivered && !it) { status.className = 'flash delivered'; status.textContent = S.delivered; return; }
      if (!it) return;
      if (it.state === 'refused') {
        status.className = 'error box refused';
        status.appendChild(h('span', { text: fmt('refused', { msg: it.error }) }));
      } else {
        status.className = 'flash queued';
        status.textContent = it.state === 'sending' ? S.sending : S.queued +
          (it.status === 401 ? ' ' + S.login_again : it.error ? ' ' + it.error : '') + (it.next_try && it.tries ? ' ' + fmt('retry_at', { t: time(new Date(it.next_try).toISOString()) }) : '');
      }
    }

    function render() {
      app.textContent = '';
      var blindOpen = task.blind_pending && !(draft.blind && draft.blind.revealed);
      app.appendChild(h('h1', { text: placeName(task) }));
      app.appendChild(h('p', { class: 'claimtext', id: 'claim', text: task.claim_text }));
      app.appendChild(h('p', { class: 'hint' }, [h('span', { class: 'mono', text: task.public_id }), ' · ' + task.unit]));
      if (task.state === 'returned' && task.return_reason) {
        app.appendChild(h('p', { class: 'error box', role: 'alert', id: 'return-reason', text: S.returned + S.colon + task.return_reason }));
      }
      app.appendChild(h('p', { class: 'hint', id: 'pack-status', text: packLine() }));
      app.appendChild(status);
      showStatus();
      var it = myItem();
      if (!task.editable && !it) {
        app.appendChild(h('p', {}, [h('span', { class: 'state ' + task.state, text: S['state_' + task.state] || task.state })]));
        app.appendChild(h('p', {}, [h('a', { href: '/tasks', text: S.back })]));
        return;
      }
      if (task.blind_pending && !draft.blind) { app.appendChild(blindForm()); return; }
      if (blindOpen) app.appendChild(h('p', { class: 'hint', id: 'blind-note', text: fmt('blind_saved', { q: draft.blind.qty, t: time(draft.blind.at) }) }));
      else if (task.blind_qty != null) app.appendChild(h('p', { class: 'hint', text: fmt('blind_counted', { q: task.blind_qty }) }));
      app.appendChild(visitForm(it && it.state !== 'refused'));
      if (!blindOpen) app.appendChild(qrCard());
      app.appendChild(h('p', {}, [h('a', { href: '/tasks', text: S.back })]));
    }

    // -- blind count: recorded on the phone, figures shown only after the server has it
    function blindForm() {
      var input = h('input', { type: 'number', id: 'blind_qty', min: '0', step: 'any', inputmode: 'decimal', required: true, value: typed });
      var note = h('p', { class: 'error', role: 'status' });
      return h('form', { id: 'blind-form', class: 'card', onsubmit: function (e) {
        e.preventDefault();
        var q = parseFloat(input.value);
        if (!isFinite(q) || q < 0) { note.textContent = S.qty_number; return; }
        draft.blind = { qty: q, at: new Date().toISOString(), revealed: false };
        if (draft.observed_qty === '') draft.observed_qty = String(q);
        save().then(reveal);
      } }, [h('p', {}, [h('strong', { text: S.blind_title }), ' ' + S.blind_intro]),
        h('div', { class: 'field' }, [h('label', { for: 'blind_qty', text: S.qty + (task.qty_unit ? ' (' + task.qty_unit + ')' : '') }), input]),
        note, h('button', { type: 'submit', text: S.blind_record })]);
    }
    function reveal() {
      if (!navigator.onLine) { render(); return; }
      FC.postJSON('/api/tasks/' + taskId + '/reveal', { observed_qty: draft.blind.qty, counted_at: draft.blind.at }).then(function (r) {
        draft.blind.revealed = true;
        task.claim_text = r.claim_text; task.claimed_qty = r.claimed_qty; task.blind_qty = r.blind_qty; task.blind_pending = false;
        return save().then(function () { return db.put('kv', pack, 'pack'); });
      }).catch(function (e) {
        if (!e.transient) { draft.blind = null; save(); status.className = 'error box'; status.textContent = e.message || ''; }
      }).then(render);
    }

    // -- the visit form
    function radios(name, options, value, cls) {
      return h('div', { class: 'choices ' + (cls || '') }, options.map(function (o) {
        return h('label', {}, [h('input', { type: 'radio', name: name, value: o.code, checked: String(value) === String(o.code) }), ' ' + o.label]);
      }));
    }
    function field(id, label, control) { return h('div', { class: 'field' }, [h('label', { for: id, text: label }), control]); }
    function visitForm(locked) {
      var f = h('form', { id: 'visit-form', 'data-task': taskId, novalidate: true });
      var fs = h('fieldset', { class: 'plainset', disabled: !!locked });
      f.appendChild(fs);
      fs.appendChild(h('fieldset', { class: 'choices' }, [h('legend', { text: S.finding })]).appendChild(radios('finding', cycle.findings || [], draft.finding)).parentNode);
      fs.appendChild(field('observed_qty', S.qty + (task.qty_unit ? ' (' + task.qty_unit + ')' : ''),
        h('input', { type: 'number', id: 'observed_qty', name: 'observed_qty', min: '0', step: 'any', inputmode: 'decimal', value: draft.observed_qty })));
      var notes = h('textarea', { id: 'notes', name: 'notes', rows: '4', maxlength: '5000' });
      notes.value = draft.notes;
      fs.appendChild(field('notes', S.notes, notes));
      // photos
      var list = h('ul', { id: 'photo-list', class: 'photo-list' });
      fs.appendChild(h('div', { class: 'field' }, [
        h('label', { for: 'photos', text: S.photos }),
        h('input', { type: 'file', id: 'photos', accept: 'image/*,.heic,.heif', capture: 'environment', multiple: true, onchange: pick }),
        h('label', { for: 'gallery', class: 'hint', text: S.gallery }),
        h('input', { type: 'file', id: 'gallery', accept: 'image/*,.heic,.heif', multiple: true, onchange: pick }),
        list, h('small', { class: 'hint', text: S.photo_hint })]));
      drawPhotos(list);
      // location
      fs.appendChild(h('fieldset', { class: 'geo', id: 'geo' }, [h('legend', { text: S.location }),
        h('input', { type: 'hidden', name: 'lat' }), h('input', { type: 'hidden', name: 'lon' }),
        h('input', { type: 'hidden', name: 'accuracy_m' }), h('input', { type: 'hidden', name: 'geo_at' }),
        h('p', { id: 'geo-status', 'aria-live': 'polite' }), h('p', { id: 'geo-distance' }),
        h('button', { type: 'button', class: 'secondary', id: 'relocate', text: S.relocate, onclick: function () { locate(true); } })]));
      // interviews
      fs.appendChild(h('h2', { text: S.interviews }));
      fs.appendChild(h('p', { class: 'hint', text: S.interview_hint }));
      var box = h('div', { id: 'interviews' });
      fs.appendChild(box);
      if (!draft.interviews.length) draft.interviews.push({ respondent: '', ratings: {} });
      draft.interviews.forEach(function (iv, i) { box.appendChild(interview(iv, i)); });
      fs.appendChild(h('button', { type: 'button', class: 'secondary', id: 'add-interview', text: S.add_interview, onclick: function () {
        draft.interviews.push({ respondent: '', ratings: {} });
        box.appendChild(interview(draft.interviews[draft.interviews.length - 1], draft.interviews.length - 1));
        save();
      } }));
      fs.appendChild(h('p', { class: 'hint', text: S.scale_hint }));
      fs.appendChild(h('p', { id: 'submit-note', class: 'error', role: 'status', 'aria-live': 'polite' }));
      fs.appendChild(h('button', { type: 'submit', id: 'send', text: S.submit }));
      f.addEventListener('input', function () { readForm(f); });
      f.addEventListener('change', function () { readForm(f); });
      f.addEventListener('submit', function (e) { e.preventDefault(); queue(f); });
      setTimeout(function () { showGeo(); if (!locked) locate(false); }, 0);
      return f;
    }
    function interview(iv, i) {
      var kids = [h('legend', { text: fmt('interview_n', { n: i + 1 }) }),
        radios('interview-' + i + '-respondent', cycle.respondents || [], iv.respondent, 'rating')];
      (cycle.questions || []).forEach(function (q) {
        var opts = [1, 2, 3, 4, 5].map(function (v) { return { code: v, label: String(v) }; });
        kids.push(h('p', { text: q.text }));
        var r = radios('interview-' + i + '-q' + q.id, opts, iv.ratings[q.id] || iv.ratings[String(q.id)] || '', 'rating');
        r.setAttribute('role', 'radiogroup'); r.setAttribute('aria-label', q.text);
        kids.push(r);
      });
      if (i > 0) kids.push(h('button', { type: 'button', class: 'link', text: S.remove_interview, onclick: function () {
        draft.interviews.splice(i, 1); save().then(render);
      } }));
      return h('fieldset', { class: 'interview', 'data-index': i }, kids);
    }
    function readForm(f) {
      var e = f.elements, checked = function (n) { var x = f.querySelector('input[name="' + n + '"]:checked'); return x ? x.value : ''; };
      draft.finding = checked('finding');
      draft.observed_qty = e.observed_qty.value;
      draft.notes = e.notes.value;
      draft.interviews.forEach(function (iv, i) {
        iv.respondent = checked('interview-' + i + '-respondent');
        (cycle.questions || []).forEach(function (q) { var v = checked('interview-' + i + '-q' + q.id); if (v) iv.ratings[q.id] = +v; });
      });
      save();
    }

    // -- photos: shrunk to 1600 px on the phone (EXIF kept), kept as Blobs until the server has them
    function pick(e) {
      var files = Array.prototype.slice.call(e.target.files);
      e.target.value = '';
      var chain = Promise.resolve();
      files.forEach(function (file) {
        chain = chain.then(function () { return prepare(file); }).then(function (p) {
          photos[p.id] = p; draft.photos.push(p.id);
          return db.put('photos', p).then(save).then(function () { drawPhotos(byId('photo-list')); });
        }, function () { byId('submit-note').textContent = S.photo_unreadable; });
      });
    }
    function drawPhotos(list) {
      if (!list) return;
      list.textContent = '';
      draft.old_photos.forEach(function (p, i) {
        list.appendChild(h('li', { class: 'photo-row ready old', 'data-sha256': p.sha256 }, [
          h('img', { src: p.thumb_url, alt: '', width: '64', height: '64' }), h('span', { text: S.photo_previous }),
          h('button', { type: 'button', class: 'secondary', text: S.photo_remove, onclick: function () {
            draft.old_photos.splice(i, 1); save(); drawPhotos(list);
          } })]));
      });
      draft.photos.forEach(function (id) {
        var p = photos[id];
        list.appendChild(h('li', { class: 'photo-row ready', 'data-photo': id, 'data-sha256': p.sha256 }, [
          h('img', { src: URL.createObjectURL(p.thumb || p.blob), alt: '', width: '64', height: '64' }),
          h('span', { text: (p.name || '') + ' ' + kb(p.blob.size) + ' KB' }),
          p.warning ? h('small', { class: 'error', text: p.warning }) : null,
          h('progress', { max: '1', value: '0', hidden: true }),
          h('button', { type: 'button', class: 'secondary', text: S.photo_remove, onclick: function () {
            draft.photos = draft.photos.filter(function (x) { return x !== id; });
            save().then(function () { return db.del('photos', id); }); drawPhotos(list);
          } })]));
      });
    }
    function prepare(file) {
      return file.arrayBuffer().then(function (buf) {
        return decode(file).then(function (img) {
          if (!img) return { blob: file, thumb: null, warning: fmt('photo_big', { kb: kb(file.size) }) };
          var w = img.naturalWidth, hh = img.naturalHeight, scale = Math.min(1, 1600 / Math.max(w, hh));
          var small = scale === 1 && file.size < 400 * 1024 && /jpe?g/i.test(file.type) ? Promise.resolve(file) :
            fit(img, scale, [0.8, 0.7, 0.6, 0.5], 280 * 1024 - (exifSegment(buf) || { byteLength: 0 }).byteLength).then(function (b) {
              var exif = exifSegment(buf);
              if (!exif) return b;
              return b.arrayBuffer().then(function (j) { return new Blob([j.slice(0, 2), exif, j.slice(2)], { type: 'image/jpeg' }); });
            });
          return Promise.all([small, draw(img, Math.min(1, 160 / Math.max(w, hh)), 0.7)]).then(function (r) {
            URL.revokeObjectURL(img.src);
            return { blob: r[0], thumb: r[1], warning: '' };
          });
        }).then(function (out) {
          return Promise.all([sha256(buf), out.blob === file ? sha256(buf) : out.blob.arrayBuffer().then(sha256)]).then(function (s) {
            return { id: uuid4(), task: taskId, name: file.name, blob: out.blob, thumb: out.thumb, warning: out.warning,
              original_sha256: s[0], original_size: file.size, sha256: s[1], geo: best,
              added_at: new Date().toISOString() };
          });
        });
      });
    }
    function decode(file) {
      return new Promise(function (resolve) {
        var img = new Image();
        img.onload = function () { resolve(img); };
        img.onerror = function () { URL.revokeObjectURL(img.src); resolve(null); };  // e.g. HEIC where the browser cannot
        img.src = URL.createObjectURL(file);
      });
    }
    function draw(img, scale, q) {
      return new Promise(function (resolve, reject) {
        var c = document.createElement('canvas');
        c.width = Math.max(1, Math.round(img.naturalWidth * scale)); c.height = Math.max(1, Math.round(img.naturalHeight * scale));
        c.getContext('2d').drawImage(img, 0, 0, c.width, c.height);  // upright: <img> applies EXIF orientation
        c.toBlob(function (b) { if (b) resolve(b); else reject(); }, 'image/jpeg', q);
      });
    }
    // A 1600 px JPEG that, with its EXIF, stays under 300 KB: a lower quality only for pictures that need it.
    function fit(img, scale, qualities, limit) {
      return draw(img, scale, qualities[0]).then(function (b) {
        return b.size <= limit || qualities.length === 1 ? b : fit(img, scale, qualities.slice(1), limit);
      });
    }
    function sha256(buf) {
      if (!(window.crypto && crypto.subtle)) return Promise.resolve('');  // not a secure context: the server's hash is used
      return crypto.subtle.digest('SHA-256', buf).then(function (d) {
        return Array.prototype.map.call(new Uint8Array(d), function (b) { return (b + 256).toString(16).slice(1); }).join('');
      });
    }
    // The original's EXIF segment (APP1) with its orientation set to 1 (the canvas copy is upright).
    function exifSegment(buf) {
      var v = new DataView(buf), off = 2;
      if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return null;
      while (off + 4 <= v.byteLength) {
        var mk = v.getUint16(off), len = v.getUint16(off + 2);
        if (mk === 0xFFDA || (mk & 0xFF00) !== 0xFF00) return null;
        if (mk === 0xFFE1 && off + 8 <= v.byteLength && v.getUint32(off + 4) === 0x45786966) {
          var seg = buf.slice(off, off + 2 + len), s = new DataView(seg), tiff = 10;
          var little = s.getUint16(tiff) === 0x4949, ifd = tiff + s.getUint32(tiff + 4, little);
          if (ifd + 2 <= s.byteLength) {
            var n = s.getUint16(ifd, little);
            for (var i = 0; i < n && ifd + 14 + i * 12 <= s.byteLength; i++) {
              var e = ifd + 2 + i * 12;
              if (s.getUint16(e, little) === 0x0112) s.setUint16(e + 8, 1, little);
            }
          }
          return seg;
        }
        off += 2 + len;
      }
      return null;
    }

    // -- location: the best reading so far, distance and direction to the place, computed here
    function locate(fresh) {
      if (!('geolocation' in navigator)) { byId('geo-status').textContent = S.geo_unsupported; return; }
      if (watch !== null) navigator.geolocation.clearWatch(watch);
      if (fresh) { best = null; openedAt = Date.now(); }
      if (!best && draft.geo && !fresh) best = draft.geo;
      var st = byId('geo-status');
      if (st && !best) st.textContent = S.locating;
      watch = navigator.geolocation.watchPosition(function (pos) {
        var c = pos.coords, r = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, at: new Date(pos.timestamp).toISOString() };
        draft.readings.push(r);
        if (draft.readings.length > 20) draft.readings.shift();
        if (!best || fresh || c.accuracy <= best.accuracy) { best = r; fresh = false; draft.geo = r; }
        save();
        showGeo();
      }, function (err) {
        var s = byId('geo-status');
        if (!best && s) s.textContent = err.code === 1 ? S.geo_denied : S.geo_nosignal;
      }, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
    }
    function showGeo() {
      var s = byId('geo-status'), d = byId('geo-distance'), f = byId('visit-form');
      if (!s || !best) return;
      var poor = best.accuracy > (cycle.accuracy_threshold_m || 50);
      s.textContent = fmt('located', { m: Math.round(best.accuracy) }) + (poor ? S.geo_poor : '');
      f.elements.lat.value = best.lat.toFixed(7); f.elements.lon.value = best.lon.toFixed(7);
      f.elements.accuracy_m.value = best.accuracy.toFixed(1); f.elements.geo_at.value = best.at;
      if (task.place && task.place.lat != null) {
        var dist = haversine(best.lat, best.lon, task.place.lat, task.place.lon);
        var dir = S['dir_' + ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'][Math.round(bearing(best.lat, best.lon, task.place.lat, task.place.lon) / 45) % 8]];
        d.textContent = fmt('distance', { d: dist < 1000 ? fmt('metres', { n: Math.max(10, Math.round(dist / 10) * 10) }) : fmt('km', { n: (dist / 1000).toFixed(1) }), dir: dir });
      } else d.textContent = S.no_place;
    }
    function rad(x) { return x * Math.PI / 180; }
    function haversine(a, b, c, d) {
      var p = Math.sin(rad(c - a) / 2), q = Math.sin(rad(d - b) / 2);
      return 2 * 6371008.8 * Math.asin(Math.sqrt(p * p + Math.cos(rad(a)) * Math.cos(rad(c)) * q * q));
    }
    function bearing(a, b, c, d) {
      var y = Math.sin(rad(d - b)) * Math.cos(rad(c)), x = Math.cos(rad(a)) * Math.sin(rad(c)) - Math.sin(rad(a)) * Math.cos(rad(c)) * Math.cos(rad(d - b));
      return (Math.atan2(y, x) * 180 / Math.PI + 360) % 360;
    }

    // -- residents' QR codes (online) and how many answered so far
    function qrCard() {
      var out = h('div', { id: 'qr' }), count = h('p', { id: 'qr-count', class: 'hint' });
      function poll() {
        if (!byId('qr-count')) return;
        if (myItem()) count.textContent = '';  // the visit is in the outbox: its answers are counted there
        else if (navigator.onLine) {
          fetch('/api/tasks/' + taskId + '/qr-count?client_uuid=' + draft.uuid, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
            .then(function (r) { return r.ok ? r.json() : null; }).then(function (r) {
              if (r) { draft.qr_count = r.count; count.textContent = fmt('qr_count', { n: r.count }); }
            }).catch(function () {});
        } else count.textContent = S.qr_offline;
        setTimeout(poll, 15000);
      }
      setTimeout(poll, 0);
      return h('section', { class: 'card', id: 'qr-card' }, [h('p', { text: S.qr_intro }),
        h('button', { type: 'button', class: 'secondary', id: 'qr-show', text: S.qr_button, onclick: function () {
          out.textContent = navigator.onLine ? S.sending : S.qr_offline;
          FC.postJSON('/api/tasks/' + taskId + '/rating-tokens', { client_uuid: draft.uuid }).then(function (r) {
            out.textContent = '';
            var svg = h('div', { class: 'qr' }); svg.innerHTML = r.svg;  // our own server's SVG
            out.appendChild(svg);
            out.appendChild(h('p', { class: 'hint mono', text: r.url }));
            out.appendChild(h('p', { class: 'hint', text: fmt('qr_expires', { t: time(r.expires_at) }) }));
          }, function (e) { out.textContent = e.message || S.qr_offline; });
        } }), out, count]);
    }

    // -- 提交: check what the server would refuse, wait (a little) for a good location, queue, send
    function queue(f) {
      readForm(f);
      var note = byId('submit-note'), qs = cycle.questions || [], used = [], bad = 0;
      draft.interviews.forEach(function (iv, i) {
        var n = qs.filter(function (q) { return iv.ratings[q.id]; }).length;
        if (!iv.respondent && !n) return;
        if (!iv.respondent || n < qs.length) bad = bad || i + 1; else used.push(iv);
      });
      var total = used.length + (draft.qr_count || 0);
      var problem = !draft.finding ? S.need_finding :
        !(draft.photos.length + draft.old_photos.length) ? S.need_photo :
        bad ? fmt('interview_incomplete', { n: bad }) :
        draft.finding !== 'site_not_found' && !total ? S.need_interview : '';
      if (problem) { note.textContent = problem; return; }
      var min = cycle.min_interviews || 0;
      if (draft.finding !== 'site_not_found' && total < min && !f.getAttribute('data-warned')) {
        f.setAttribute('data-warned', '1');
        note.textContent = fmt('few_interviews', { n: min, k: total });
        return;
      }
      var waitS = cycle.geo_wait_s || 30, threshold = cycle.accuracy_threshold_m || 50;
      var done = function () {
        geoNote = !('geolocation' in navigator) ? '' : !best ? S.geo_ended_none :
          best.accuracy > threshold ? fmt('geo_ended_best', { m: Math.round(best.accuracy) }) : '';
        var btn = byId('send');
        if (btn) btn.disabled = true;
        var g = draft.geo, bytes = 0;
        draft.photos.forEach(function (id) { bytes += photos[id].blob.size; });
        var item = { uuid: draft.uuid, task: taskId, queued_at: new Date().toISOString(), state: 'queued', tries: 0,
          photos: draft.photos.slice(), keep: draft.old_photos.map(function (p) { return p.sha256; }), bytes: bytes,
          blind: draft.blind && !draft.blind.revealed ? draft.blind : null,
          body: { client_uuid: draft.uuid, finding: draft.finding, observed_qty: draft.observed_qty === '' ? null : +draft.observed_qty,
            notes: draft.notes, lat: g ? g.lat : null, lon: g ? g.lon : null, accuracy_m: g ? g.accuracy : null,
            geo_at: g ? g.at : null, started_at: draft.started_at,
            interviews: used.map(function (iv) { return { respondent: iv.respondent, ratings: iv.ratings }; }) } };
        return saving.then(function () { return db.put('outbox', item); }).then(refreshCount).then(function () {
          render();
          send(true);
          syncLater();
        });
      };
      if ('geolocation' in navigator && (!best || best.accuracy > threshold) && (Date.now() - openedAt) / 1000 < waitS) {
        note.textContent = fmt('geo_wait', { s: Math.round(waitS - (Date.now() - openedAt) / 1000) });
        var timer = setInterval(function () {
          if ((best && best.accuracy <= threshold) || (Date.now() - openedAt) / 1000 >= waitS) {
            clearInterval(timer);
            done();
          }
        }, 500);
      } else done();
    }
  }

  start();
})();
