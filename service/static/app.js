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

  // The model's order first (main goal at the head), then goals added by hand, by score.
  function ordered(goals) {
    const order = last ? last.tagging.sdgs.map(s => s.goal) : [];
    const scores = last ? last.tagging.sdg_scores : {};
    const rank = g => (order.includes(g) ? order.indexOf(g) : 100 - (scores[g] || 0));
    return [...goals].sort((a, b) => rank(a) - rank(b));
  }

  function refreshMain() {
    const goals = ordered(checkedGoals());
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

  async function recommend(text) {
    const panel = document.getElementById("recommandations");
    try {
      const data = await call("POST", "/api/v1/recommend", {text});
      document.getElementById("liens").innerHTML = data.links.slice(0, 6).map(l =>
        `<li><strong>ODD ${l.goal} — ${escape(l.name)}</strong> <span class="kind ${l.kind}">${l.kind} (${l.strength > 0 ? "+" : ""}${l.strength}, depuis l'ODD ${l.from[0]})</span>` +
        `<br>${escape(l.why)}` +
        (l.raised_for_similar >= 0.25 ? ` <span class="hint">(soulevé pour ${Math.round(100 * l.raised_for_similar)} % des projets proches annotés)</span>` : "") +
        `<br><em>Question au porteur : ${escape(l.question)}</em></li>`).join("");
      document.getElementById("arbitrages").innerHTML = data.warnings.map(w => `<li>${escape(w)}</li>`).join("");
      document.getElementById("cibles").innerHTML = data.targets.map(t =>
        `<li><strong>${t.target}</strong> ${escape(t.description)}${t.evidence.length ? ` <span class="hint">(${t.evidence.map(escape).join(", ")})</span>` : ""}</li>`).join("") || "<li>Aucune cible ne ressort du texte.</li>";
      document.getElementById("voisins").innerHTML = data.similar.map(p =>
        `<li>${escape(p.title)} <span class="hint">— ${p.source}, ODD ${p.sdgs.join(", ")} ; ${escape(p.why)}</span></li>`).join("") || "<li>Aucun projet voisin.</li>";
      document.getElementById("financements").innerHTML = data.funding.map(f =>
        `<li><strong>${escape(f.name)}</strong> (ODD ${f.goals.join(", ")}) : ${escape(f.conditions)}` +
        (f.evidence.length ? ` <span class="hint">(${f.evidence.map(escape).join(", ")})</span>` : "") + `</li>`).join("");
      const svg = await fetch("/api/v1/recommend/graph.svg", {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRF-Token": token}, body: JSON.stringify({text})});
      const figure = document.getElementById("graphe");
      figure.querySelector("svg")?.remove();
      if (svg.ok) figure.insertAdjacentHTML("afterbegin", await svg.text());
      panel.hidden = false;
    } catch (error) { say(`Recommandations indisponibles : ${error.message}`, "error"); }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const title = form.title.value.trim(), description = form.description.value;
    say("Analyse en cours…");
    try {
      const tagging = await call("POST", "/api/v1/tag", {title, text: description});
      const text = title ? `${title}\n${description}` : description;
      show(text, tagging);
      recommend(text);
      say(tagging.sdgs.length ? `${tagging.sdgs.length} objectif(s) proposé(s).` : "Aucun objectif proposé : ajoutez-en à la main.", "ok");
      document.getElementById("titre-resultat").focus?.();
    } catch (error) { say(`Analyse impossible : ${error.message}`, "error"); }
  });

  document.querySelector(".tiles").addEventListener("change", refreshMain);

  document.getElementById("enregistrer").addEventListener("click", async () => {
    const goals = checkedGoals();
    const first = Number(main.value);
    const sdgs = goals.includes(first) ? [first, ...ordered(goals.filter(g => g !== first))] : ordered(goals);
    const body = {title: form.title.value.trim(), description: form.description.value, sdgs};
    if (form.actor.value.trim()) body.actor = form.actor.value.trim();
    if (form.country.value.trim()) body.country = form.country.value.trim();
    if (form.year.value) body.year = Number(form.year.value);
    try {
      const saved = await call("POST", "/api/v1/projects", body);
      say(`Projet n° ${saved.id} enregistré avec les objectifs ${saved.sdgs.join(", ")}.`, "ok");
    } catch (error) { say(`Enregistrement impossible : ${error.message}`, "error"); }
  });
})();
