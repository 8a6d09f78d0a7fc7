// The export page: downloads fetched with a running count of what has arrived (streamed, so the
// size is not known in advance), then saved under the server's file name. Without script the links
// are plain downloads.
(function () {
  "use strict";
  var status = document.getElementById("export-progress");
  if (!status || !window.fetch || !window.ReadableStream) return;
  function mb(n) { return (n / 1048576).toFixed(1); }
  function say(template, n) { status.hidden = false; status.textContent = template.replace("{mb}", mb(n)); }
  document.querySelectorAll("a[data-progress]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var received = 0, parts = [];
      fetch(link.href, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok) throw new Error(String(response.status));
        var name = (/filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") || "") || [])[1] || "export";
        var reader = response.body.getReader();
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              var url = URL.createObjectURL(new Blob(parts, {type: response.headers.get("Content-Type") || ""}));
              var a = document.createElement("a");
              a.href = url; a.download = name; document.body.appendChild(a); a.click(); a.remove();
              setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
              say(status.dataset.done, received);
              return;
            }
            parts.push(chunk.value);
            received += chunk.value.length;
            say(status.dataset.received, received);
            return pump();
          });
        }
        return pump();
      }).catch(function () { status.hidden = false; status.textContent = status.dataset.failed; });
    });
  });
})();
