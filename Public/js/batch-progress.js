// Keeps a contract batch's progress current without reloading the page: every two seconds
// it reads /admin/contract-batches/{id}/progress (the batch as the JSON API shows it) and
// updates the bar, the counts and the state; once the batch is done or cancelled it loads the
// page once more, for each row's final state (a finished batch's page does not poll). Without
// JavaScript the page shows the batch as it was when loaded, and Reload brings it up to date.
(function () {
  var panel = document.querySelector("[data-progress-url]");
  if (!panel) return;
  var url = panel.getAttribute("data-progress-url");
  function text(selector, value) {
    var element = panel.querySelector(selector);
    if (element) element.textContent = value;
  }
  function show(batch) {
    var bar = panel.querySelector("[data-batch-bar]");
    bar.max = batch.accepted;
    bar.value = batch.settled;
    bar.textContent = batch.settled + " of " + batch.accepted;
    text("[data-batch-settled]", batch.settled);
    text("[data-batch-accepted]", batch.accepted);
    var state = panel.querySelector("[data-batch-state]");
    state.textContent = batch.state;
    state.className = "badge batch-" + batch.state;
    var list = panel.querySelector("[data-batch-counts]");
    list.textContent = "";
    Object.keys(batch.counts).sort().forEach(function (name) {
      if (!batch.counts[name]) return;
      var item = document.createElement("li");
      var badge = document.createElement("span");
      badge.className = "badge request-" + name;
      badge.textContent = name;
      item.appendChild(badge);
      item.appendChild(document.createTextNode(" " + batch.counts[name]));
      list.appendChild(item);
    });
    return batch.state === "done" || batch.state === "cancelled";
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.json(); })
      .then(function (batch) {
        if (show(batch)) window.location.reload();
        else setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 2000);
})();
