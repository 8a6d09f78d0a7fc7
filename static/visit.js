// The visit page. Small on purpose: a village phone on 2G downloads every byte.
// - keeps the best geolocation reading, shows its accuracy, waits (a little) for a good one;
// - shrinks each photo to a 1600 px JPEG in the page, keeps the original's EXIF (time, GPS,
//   camera) and sends it on its own with a progress bar, keyed by SHA-256 so a retry is harmless.
// Without this script the plain form still submits and uploads the originals.
(function () {
  'use strict';
  var form = document.getElementById('visit-form');
  if (!form) return;
  var zh = document.documentElement.lang.indexOf('zh') === 0;
  function t(zhText, enText) { return zh ? zhText : enText; }
  var status = document.getElementById('geo-status');
  var threshold = parseFloat(form.getAttribute('data-accuracy')) || 50;
  var waitSeconds = parseFloat(form.getAttribute('data-geo-wait')) || 30;
  var csrf = document.querySelector('meta[name=csrf-token]').getAttribute('content');
  var started = form.elements.started_at;
  if (!started.value) started.value = new Date().toISOString();
  var openedAt = Date.now();
  var best = null;

  // ---- geolocation -------------------------------------------------------------------
  function showGeo() {
    if (!best) return;
    status.textContent = t('已定位，精度 ', 'Located, accuracy ') + Math.round(best.accuracy) + ' m' +
      (best.accuracy > threshold ? t('（较差，请到开阔处稍等）', ' (poor: wait in the open)') : '');
  }
  if ('geolocation' in navigator) {
    status.textContent = t('正在定位…', 'Locating…');
    var watch = navigator.geolocation.watchPosition(function (pos) {
      var c = pos.coords;
      if (!best || c.accuracy < best.accuracy) {
        best = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy, at: new Date(pos.timestamp) };
        form.elements.lat.value = c.latitude.toFixed(7);
        form.elements.lon.value = c.longitude.toFixed(7);
        form.elements.accuracy_m.value = c.accuracy.toFixed(1);
        form.elements.geo_at.value = best.at.toISOString();
      }
      showGeo();
    }, function (err) {
      if (!best) status.textContent = err.code === 1 ? t('无法定位：未允许使用位置', 'No location: permission denied')
                                                     : t('无法定位：信号不足', 'No location: no signal');
    }, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
  } else {
    status.textContent = t('此浏览器无法定位。', 'This browser cannot locate.');
  }

  // ---- photos ------------------------------------------------------------------------
  var input = document.getElementById('photos');
  var list = document.getElementById('photo-list');
  var busy = 0, failed = 0;
  var canUpload = input && list && window.FormData && window.XMLHttpRequest && window.Promise && window.Blob;

  function readBuffer(file) {
    return new Promise(function (resolve, reject) {
      var r = new FileReader();
      r.onload = function () { resolve(r.result); };
      r.onerror = function () { reject(r.error); };
      r.readAsArrayBuffer(file);
    });
  }
  function hex(buf) {
    return Array.prototype.map.call(new Uint8Array(buf), function (b) { return ('0' + b.toString(16)).slice(-2); }).join('');
  }
  function sha256(buf) {  // only in secure contexts (HTTPS, localhost)
    if (!(window.crypto && crypto.subtle)) return Promise.resolve('');
    return crypto.subtle.digest('SHA-256', buf).then(hex, function () { return ''; });
  }
  // The original's EXIF segment (APP1) with its orientation set to 1, since the canvas copy is
  // already upright; null when there is none.
  function exifSegment(buf) {
    var v = new DataView(buf), off = 2;
    if (v.byteLength < 4 || v.getUint16(0) !== 0xFFD8) return null;
    while (off + 4 <= v.byteLength) {
      var marker = v.getUint16(off), len = v.getUint16(off + 2);
      if (marker === 0xFFDA || (marker & 0xFF00) !== 0xFF00) return null;
      if (marker === 0xFFE1 && v.getUint32(off + 4) === 0x45786966) {
        var seg = buf.slice(off, off + 2 + len), s = new DataView(seg), tiff = 10;
        var little = s.getUint16(tiff) === 0x4949, ifd = tiff + s.getUint32(tiff + 4, little);
        if (ifd + 2 <= s.byteLength) {
          var n = s.getUint16(ifd, little);
          for (var i = 0; i < n && ifd + 2 + i * 12 + 12 <= s.byteLength; i++) {
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
  function shrink(file, buf) {
    return new Promise(function (resolve) {
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () {
        var w = img.naturalWidth, h = img.naturalHeight, scale = Math.min(1, 1600 / Math.max(w, h));
        if (scale === 1 && file.size < 400 * 1024) { URL.revokeObjectURL(url); resolve(file); return; }
        var canvas = document.createElement('canvas');
        canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
        canvas.getContext('2d').drawImage(img, 0, 0, canvas.width, canvas.height);  // upright: <img> applies EXIF orientation
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var exif = exifSegment(buf);
          if (!exif) { resolve(blob); return; }
          blob.arrayBuffer().then(function (jpeg) {
            resolve(new Blob([jpeg.slice(0, 2), exif, jpeg.slice(2)], { type: 'image/jpeg' }));
          });
        }, 'image/jpeg', 0.8);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };  // e.g. HEIC: the server reads it
      img.src = url;
    });
  }
  function upload(item) {
    return new Promise(function (resolve, reject) {
      var data = new FormData(), xhr = new XMLHttpRequest();
      data.append('photo', item.blob, 'photo.jpg');
      data.append('original_sha256', item.originalSha);
      data.append('original_size', String(item.file.size));
      if (best) { data.append('lat', best.lat); data.append('lon', best.lon); data.append('accuracy_m', best.accuracy); }
      xhr.open('POST', form.getAttribute('data-photo-url'));
      xhr.setRequestHeader('X-CSRFToken', csrf);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = function (e) { if (e.lengthComputable) item.bar.value = Math.round(100 * e.loaded / e.total); };
      xhr.onload = function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (ignore) { body = {}; }
        if (xhr.status === 200 && body.sha256) resolve(body.sha256);
        else reject(body.message || t('上传失败', 'Upload failed') + ' (' + xhr.status + ')');
      };
      xhr.onerror = function () { reject(t('网络中断，请重试', 'Network lost; retry')); };
      xhr.send(data);
    });
  }
  function send(item) {
    busy++;
    item.msg.textContent = t('上传中…', 'Uploading…');
    item.retry.hidden = true;
    upload(item).then(function (sha) {
      var hidden = document.createElement('input');
      hidden.type = 'hidden'; hidden.name = 'photo_sha256'; hidden.value = sha;
      form.appendChild(hidden);
      item.bar.value = 100;
      item.msg.textContent = t('已上传 ', 'Uploaded ') + Math.round(item.blob.size / 1024) + ' KB';
      item.row.className = 'photo-row done';
    }, function (message) {
      failed++;
      item.msg.textContent = message;
      item.retry.hidden = false;
      item.row.className = 'photo-row failed';
    }).then(function () { busy--; });
  }
  function addPhoto(file) {
    var row = document.createElement('li'), bar = document.createElement('progress'),
        msg = document.createElement('span'), retry = document.createElement('button');
    row.className = 'photo-row';
    bar.max = 100; bar.value = 0;
    retry.type = 'button'; retry.className = 'secondary'; retry.hidden = true;
    retry.textContent = t('重试', 'Retry');
    row.appendChild(document.createTextNode(file.name + ' '));
    row.appendChild(bar); row.appendChild(msg); row.appendChild(retry);
    list.appendChild(row);
    var item = { file: file, row: row, bar: bar, msg: msg, retry: retry };
    retry.onclick = function () { failed--; send(item); };
    msg.textContent = t('处理中…', 'Preparing…');
    busy++;
    readBuffer(file).then(function (buf) {
      return Promise.all([sha256(buf), shrink(file, buf)]);
    }).then(function (done) {
      item.originalSha = done[0]; item.blob = done[1];
      busy--;
      send(item);
    }, function () { busy--; failed++; msg.textContent = t('无法读取此文件', 'Cannot read this file'); });
  }
  if (canUpload) {
    [input, document.getElementById('gallery')].forEach(function (picker) {
      if (!picker) return;
      picker.addEventListener('change', function () {
        Array.prototype.forEach.call(picker.files, addPhoto);
        picker.value = '';  // the script sent them; the form must not send the originals again
      });
    });
  }

  // ---- submit --------------------------------------------------------------------------
  var note = document.getElementById('submit-note');
  form.addEventListener('submit', function (event) {
    if (busy > 0 || failed > 0) {
      event.preventDefault();
      note.textContent = busy > 0 ? t('照片还在上传，请稍候再提交。', 'Photos are still uploading; submit when done.')
                                  : t('有照片未上传成功，请点“重试”。', 'A photo failed to upload; press Retry.');
      return;
    }
    var waited = (Date.now() - openedAt) / 1000;
    if ('geolocation' in navigator && (!best || best.accuracy > threshold) && waited < waitSeconds &&
        !form.getAttribute('data-waited')) {
      event.preventDefault();
      form.setAttribute('data-waited', '1');
      note.textContent = t('正在等待更准确的定位…', 'Waiting for a more accurate location…');
      var timer = setInterval(function () {
        if ((best && best.accuracy <= threshold) || (Date.now() - openedAt) / 1000 >= waitSeconds) {
          clearInterval(timer);
          form.submit();
        }
      }, 500);
    }
  });
})();
