// The crowd table page (/crowd): levels now, in the visitor's language.
"use strict";
// Page wording per language (the levels are MGTO's five).
const WORDS = {
  "en": {title: "Crowds at Macau's sights now", language: "Language", sight: "Sight", level: "Level", basis: "Basis",
         observed: "reported", forecast: "forecast", stale: "forecast (last report is old)", updated: "Updated",
         labels: ["comfortable", "moderate", "busy", "congested", "severely congested"]},
  "zh-Hant": {title: "澳門景點即時人流", language: "語言", sight: "景點", level: "人流", basis: "來源", observed: "實報",
         forecast: "預測", stale: "預測（最後報告已過時）", updated: "更新時間",
         labels: ["舒適", "適中", "繁忙", "擁擠", "非常擁擠"]},
  "zh-Hans": {title: "澳门景点实时人流", language: "语言", sight: "景点", level: "人流", basis: "来源", observed: "实报",
         forecast: "预测", stale: "预测（最后报告已过时）", updated: "更新时间",
         labels: ["舒适", "适中", "繁忙", "拥挤", "非常拥挤"]},
  "pt": {title: "Movimento nos locais de Macau agora", language: "Língua", sight: "Local", level: "Nível", basis: "Base",
         observed: "reportado", forecast: "previsão", stale: "previsão (último relatório antigo)",
         updated: "Atualizado", labels: ["confortável", "moderado", "movimentado", "congestionado", "muito congestionado"]},
};
const params = new URLSearchParams(location.search);
const select = document.getElementById("lang");
select.value = WORDS[params.get("lang")] ? params.get("lang") : "en";

function text(id, value) { document.getElementById(id).textContent = value; }

async function load() {
  const lang = select.value, w = WORDS[lang];
  document.documentElement.lang = lang;
  text("title", w.title); text("lang-label", w.language); text("h-sight", w.sight); text("h-level", w.level); text("h-basis", w.basis);
  text("legend", w.labels.map((label, i) => `${i + 1} ${label}`).join(" · "));
  try {
    const response = await fetch(`/api/v1/crowd?lang=${encodeURIComponent(lang)}`);
    const body = await response.json();
    if (!response.ok) throw new Error(body.error ? body.error.message : response.statusText);
    const rows = document.getElementById("rows");
    rows.replaceChildren();
    body.items.sort((a, b) => b.level - a.level || a.name.localeCompare(b.name));
    for (const item of body.items) {
      const tr = document.createElement("tr");
      tr.dataset.target = item.target_id;
      const name = document.createElement("td");
      name.textContent = item.name;
      const level = document.createElement("td");
      const badge = document.createElement("span");
      badge.className = `badge l${item.level}`;
      badge.textContent = String(item.level);
      level.append(badge, " ", w.labels[item.level - 1]);
      const basis = document.createElement("td");
      basis.textContent = item.basis === "observed" ? w.observed : (item.stale ? w.stale : w.forecast);
      tr.append(name, level, basis);
      rows.append(tr);
    }
    text("status", `${w.updated} ${new Date().toLocaleTimeString()}`);
  } catch (error) {
    text("status", String(error.message || error));
  }
}
select.addEventListener("change", () => {
  params.set("lang", select.value);
  history.replaceState(null, "", `?${params}`);
  load();
});
load();
setInterval(load, 30000);
