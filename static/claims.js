// Fill the passage form's offsets from a selection in the report text.
// Offsets count Unicode code points, as Python's str indices do.
(function () {
  var box = document.getElementById('reporttext');
  // The claims editor's passage form, or the drafting page's comment form (the same fields).
  var form = document.getElementById('claim-form') || document.getElementById('comment-form');
  if (!box || !form) return;
  function cpLength(s) { return Array.from(s).length; }
  function offsetOf(node, offset) {
    var walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT), total = 0, n;
    while ((n = walker.nextNode())) {
      if (n === node) return total + cpLength(n.data.slice(0, offset));
      total += cpLength(n.data);
    }
    return null;
  }
  document.addEventListener('selectionchange', function () {
    var sel = window.getSelection();
    if (!sel.rangeCount || sel.isCollapsed) return;
    var r = sel.getRangeAt(0);
    if (!box.contains(r.startContainer) || !box.contains(r.endContainer)) return;
    var s = offsetOf(r.startContainer, r.startOffset), e = offsetOf(r.endContainer, r.endOffset);
    if (s === null || e === null || e <= s) return;
    form.elements.start.value = s;
    form.elements.end.value = e;
    form.elements.passage.value = '';
  });
})();
