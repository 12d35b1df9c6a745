// An order's page (/pay/order/...) reloads itself when the order's status changes.
"use strict";
(() => {
  const me = document.currentScript;
  const url = me.dataset.url, status = me.dataset.status;
  setInterval(async () => {
    const r = await fetch(url);
    if (!r.ok) return;
    const o = (await r.json()).order;
    if (o.status !== status) location.reload();
  }, 3000);
})();
