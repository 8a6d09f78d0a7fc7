// The visit page: keeps the best geolocation reading and notes when the visit began.
// Small on purpose: a village phone on 2G downloads every byte.
(function () {
  var form = document.getElementById('visit-form');
  if (!form) return;
  var status = document.getElementById('geo-status');
  var started = form.elements.started_at;
  if (!started.value) started.value = new Date().toISOString();
  var best = null;
  var zh = document.documentElement.lang.indexOf('zh') === 0;
  function show(text) { status.textContent = text; }
  function fmt(acc) { return Math.round(acc) + ' m'; }
  if (!('geolocation' in navigator)) { show(zh ? '此浏览器无法定位。' : 'This browser cannot locate.'); return; }
  show(zh ? '正在定位…' : 'Locating…');
  var watch = navigator.geolocation.watchPosition(function (pos) {
    var c = pos.coords;
    if (!best || c.accuracy < best.accuracy) {
      best = { lat: c.latitude, lon: c.longitude, accuracy: c.accuracy };
      form.elements.lat.value = c.latitude.toFixed(7);
      form.elements.lon.value = c.longitude.toFixed(7);
      form.elements.accuracy_m.value = c.accuracy.toFixed(1);
    }
    show((zh ? '已定位，精度 ' : 'Located, accuracy ') + fmt(best.accuracy) +
         (best.accuracy > 100 ? (zh ? '（较差，请到开阔处稍等）' : ' (poor: wait in the open)') : ''));
  }, function (err) {
    show(zh ? ('无法定位：' + (err.code === 1 ? '未允许使用位置' : '信号不足')) :
              ('No location: ' + (err.code === 1 ? 'permission denied' : 'no signal')));
  }, { enableHighAccuracy: true, maximumAge: 0, timeout: 60000 });
  form.addEventListener('submit', function () { navigator.geolocation.clearWatch(watch); });
})();
