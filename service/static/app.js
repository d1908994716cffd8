// Staff page: analyse a project, let staff correct the goals, save to the register.
(function () {
  "use strict";
  const token = document.querySelector('meta[name="csrf-token"]').content;
  const form = document.getElementById("form-projet");
  const message = document.getElementById("message");
  const result = document.getElementById("resultat");
  const main = document.getElementById("principal");
  let last = null;   // the last analysis: {text, tagging}

  function say(text, kind) { message.textContent = text; message.className = kind || ""; }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method, credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
      body: JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = Array.isArray(data.detail) ? data.detail.map(d => `${d.field} : ${d.message}`).join(" ; ") : data.detail;
      throw new Error(detail || `erreur ${response.status}`);
    }
    return data;
  }

  function checkedGoals() {
    return [...document.querySelectorAll('input[name="odd"]:checked')].map(i => Number(i.value));
  }

  function refreshMain() {
    const goals = checkedGoals();
    const scores = last ? last.tagging.sdg_scores : {};
    goals.sort((a, b) => (scores[b] || 0) - (scores[a] || 0));
    const previous = Number(main.value);
    main.innerHTML = "";
    for (const g of goals) {
      const option = document.createElement("option");
      option.value = g; option.textContent = `${g} — ${window.SDG_GOALS[g - 1]}`;
      main.appendChild(option);
    }
    if (goals.includes(previous)) main.value = previous;
  }

  function escape(text) {
    return text.replace(/[&<>"]/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));
  }

  function highlight(text, tagging) {
    const spans = [];
    for (const goal of tagging.sdgs) {
      for (const e of goal.evidence) spans.push({start: e.start, end: e.end, goal: goal.goal, name: goal.name});
    }
    spans.sort((a, b) => a.start - b.start);
    let html = "", at = 0;
    for (const s of spans) {
      if (s.start < at) continue;
      const colour = getComputedStyle(document.querySelector(`.tile[data-goal="${s.goal}"]`)).getPropertyValue("--goal");
      html += escape(text.slice(at, s.start));
      html += `<mark style="--goal: ${colour}" title="ODD ${s.goal} — ${escape(s.name)}">${escape(text.slice(s.start, s.end))}</mark>`;
      at = s.end;
    }
    return html + escape(text.slice(at));
  }

  function show(text, tagging) {
    last = {text, tagging};
    for (const tile of document.querySelectorAll(".tile")) {
      const goal = Number(tile.dataset.goal);
      const score = tagging.sdg_scores[String(goal)];
      const tagged = tagging.sdgs.some(s => s.goal === goal);
      tile.classList.toggle("tagged", tagged);
      tile.querySelector("input").checked = tagged;
      tile.querySelector(".score").textContent = `${Math.round(score * 100)} %`;
    }
    const warnings = document.getElementById("avertissements");
    warnings.innerHTML = tagging.warnings.map(w => `<li>${escape(w)}</li>`).join("");
    document.getElementById("texte").innerHTML = highlight(text, tagging);
    document.getElementById("preuves").innerHTML = tagging.sdgs.map(g =>
      `<p class="evidence-goal"><strong>ODD ${g.goal} — ${escape(g.name)}</strong> (${Math.round(g.score * 100)} %) : ` +
      (g.evidence.map(e => escape(e.term)).join(", ") || "—") + "</p>").join("");
    refreshMain();
    result.hidden = false;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = form.title.value.trim(), description = form.description.value;
    say("Analyse en cours…");
    try {
      const tagging = await call("POST", "/api/v1/tag", {title, text: description});
      show(title ? `${title}\n${description}` : description, tagging);
      say(tagging.sdgs.length ? `${tagging.sdgs.length} objectif(s) proposé(s).` : "Aucun objectif proposé : ajoutez-en à la main.", "ok");
      document.getElementById("titre-resultat").focus?.();
    } catch (error) { say(`Analyse impossible : ${error.message}`, "error"); }
  });

  document.querySelector(".tiles").addEventListener("change", refreshMain);

  document.getElementById("enregistrer").addEventListener("click", async () => {
    const goals = checkedGoals();
    const first = Number(main.value);
    const ordered = goals.includes(first) ? [first, ...goals.filter(g => g !== first).sort((a, b) =>
      (last.tagging.sdg_scores[b] || 0) - (last.tagging.sdg_scores[a] || 0))] : goals;
    const body = {title: form.title.value.trim(), description: form.description.value, sdgs: ordered};
    if (form.actor.value.trim()) body.actor = form.actor.value.trim();
    if (form.country.value.trim()) body.country = form.country.value.trim();
    if (form.year.value) body.year = Number(form.year.value);
    try {
      const saved = await call("POST", "/api/v1/projects", body);
      say(`Projet n° ${saved.id} enregistré avec les objectifs ${saved.sdgs.join(", ")}.`, "ok");
    } catch (error) { say(`Enregistrement impossible : ${error.message}`, "error"); }
  });
})();
