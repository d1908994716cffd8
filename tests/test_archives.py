"""Archives on real files: French Excel CSV, XLSX, JSONL, broken rows, resume after a crash, jobs, report."""
import csv
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from sdgtagger import batch
from sdgtagger.batch import Options, annotate
from sdgtagger.io import InputError

from conftest import ROOT, WATER

FOREST = "Reboisement de 40 hectares et lutte contre la désertification avec les groupements villageois."


def french_csv(path, rows, encoding="cp1252"):
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(["Référence", "Intitulé", "Description", "Année"])
        writer.writerows(rows)
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_cp1252_semicolon_csv_to_french_excel_csv(tiny_tagger, tmp_path):
    source = french_csv(tmp_path / "projets.csv", [
        ["P1", "Eau à Kayes", WATER, "2021"],
        ["P2", "Forêt ; Sahel", "Reboisement « villageois »\net désertification", "2022"],
        ["P3", "", "", "2023"],
    ])
    target = tmp_path / "projets-odd.csv"
    summary = annotate(tiny_tagger, source, target, Options(text_fields=["Intitulé", "Description"]))
    assert (summary.rows, summary.errors) == (3, 0)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["Référence", "Intitulé", "Description", "Année"]
    assert header[4:6] == ["odd_principal", "odd"] and header[-1] == "avertissements"
    assert header[6:23] == [f"score_odd_{g}" for g in range(1, 18)]
    records = list(csv.DictReader(raw.decode("utf-8-sig").splitlines(), delimiter=";"))
    assert [r["Référence"] for r in records] == ["P1", "P2", "P3"]
    assert records[0]["odd_principal"] == "6" and records[0]["odd"].startswith("6")
    assert "," in records[0]["score_odd_6"] and "." not in records[0]["score_odd_6"], "decimal comma for French Excel"
    assert records[1]["Intitulé"] == "Forêt ; Sahel"
    assert records[2]["avertissements"] == "texte vide : aucun score calculé"


def test_utf8_bom_and_comma_csv_to_jsonl(tiny_tagger, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("\ufeffid,text\n1,\"" + WATER + "\"\n2,Forages\n", encoding="utf-8")
    annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options())
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["1", "2"] and rows[0]["sdg_main"] == 6
    assert any("trop court" in w for w in rows[1]["warnings"])


def test_missing_column_lists_the_available_ones(tiny_tagger, tmp_path):
    source = french_csv(tmp_path / "p.csv", [["P1", "Eau", WATER, "2021"]])
    with pytest.raises(InputError, match="champ « text » absent ; champs disponibles : Référence, Intitulé"):
        annotate(tiny_tagger, source, tmp_path / "o.csv", Options())
    assert list(tmp_path.iterdir()) == [source]


def test_broken_rows_go_to_the_errors_file_and_the_run_goes_on(tiny_tagger, tmp_path):
    source = tmp_path / "casse.csv"
    source.write_bytes(
        "id;text\n1;Forages et latrines\n2;\"guillemet jamais fermé\n3;trop;de;champs\n".encode("utf-8")
        + b"4;octet invalide \xff ici\n" + "5;Reboisement du Sahel\n".encode("utf-8"))
    summary = annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options())
    rows = read_jsonl(tmp_path / "out.jsonl")
    errors = read_jsonl(tmp_path / "out.jsonl.erreurs.jsonl")
    assert [r["id"] for r in rows] == ["1", "5"]
    assert [e["line"] for e in errors] == [3, 4, 5]
    assert "guillemets" in errors[0]["error"] and "champs" in errors[1]["error"] and "octets" in errors[2]["error"]
    assert summary.errors == 3 and summary.rows == 5


def test_xlsx_in_and_out(tiny_tagger, tmp_path):
    from openpyxl import Workbook, load_workbook

    book = Workbook()
    book.active.title = "Notes"
    sheet = book.create_sheet("Projets")
    sheet.append(["id", "titre", "description", "annee"])
    sheet.append([1, "Eau", WATER, 2021])
    sheet.append([2, "Forêt", FOREST, 2022])
    book.save(tmp_path / "projets.xlsx")
    options = Options(text_fields=["titre", "description"], sheet="Projets")
    annotate(tiny_tagger, tmp_path / "projets.xlsx", tmp_path / "odd.xlsx", options)
    result = load_workbook(tmp_path / "odd.xlsx").active
    header = [c.value for c in result[1]]
    assert header[:4] == ["id", "titre", "description", "annee"] and "score_odd_17" in header
    assert result[1][0].font.bold
    assert result.cell(2, header.index("odd_principal") + 1).value == 6
    assert isinstance(result.cell(2, header.index("score_odd_6") + 1).value, (int, float)), "scores are numbers"
    annotate(tiny_tagger, tmp_path / "projets.xlsx", tmp_path / "odd.jsonl",
             Options(text_fields=["titre", "description"], sheet="2"))
    assert [r["annee"] for r in read_jsonl(tmp_path / "odd.jsonl")] == ["2021", "2022"]
    with pytest.raises(InputError, match="feuille « Budget » introuvable ; feuilles : Notes, Projets"):
        annotate(tiny_tagger, tmp_path / "projets.xlsx", tmp_path / "x.jsonl", Options(sheet="Budget"))


def test_jsonl_to_csv_keeps_every_field(tiny_tagger, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": WATER}) + "\n" +
                      json.dumps({"id": "b", "text": FOREST, "pays": "Niger"}) + "\n", encoding="utf-8")
    annotate(tiny_tagger, source, tmp_path / "out.csv", Options())
    records = list(csv.DictReader((tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert [r["id"] for r in records] == ["a", "b"] and records[1]["pays"] == "Niger"


def many_rows(path, count):
    texts = [WATER, FOREST, "Formation des enseignants et construction de salles de classe.",
             "Appui aux coopératives de femmes transformatrices de karité.", ""]
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps({"id": i, "text": f"{texts[i % len(texts)]} Lot {i}."}) + "\n")
    return path


def test_interrupted_run_resumes_to_the_same_output(tiny_tagger, tmp_path, monkeypatch):
    source = many_rows(tmp_path / "in.jsonl", 2500)
    annotate(tiny_tagger, source, tmp_path / "reference.jsonl", Options())
    monkeypatch.setattr(batch, "CHUNK_ROWS", 300)
    calls = {"n": 0}
    real = batch.tag_chunk

    def crashing(*args):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(batch, "tag_chunk", crashing)
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt):
        annotate(tiny_tagger, source, target, Options())
    assert not target.exists() and (tmp_path / "out.jsonl.partial").exists()
    with pytest.raises(InputError, match="--resume"):
        annotate(tiny_tagger, source, target, Options())
    monkeypatch.setattr(batch, "tag_chunk", real)
    summary = annotate(tiny_tagger, source, target, Options(resume=True))
    assert summary.resumed_from == 900
    assert target.read_bytes() == (tmp_path / "reference.jsonl").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.jsonl", "reference.jsonl"]


def test_resume_refuses_a_changed_input(tiny_tagger, tmp_path, monkeypatch):
    source = many_rows(tmp_path / "in.jsonl", 700)
    monkeypatch.setattr(batch, "CHUNK_ROWS", 300)
    monkeypatch.setattr(batch, "tag_chunk", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options())
    many_rows(source, 800)
    with pytest.raises(InputError, match="ont changé"):
        annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options(resume=True))
    with pytest.raises(InputError, match="rien à reprendre"):
        annotate(tiny_tagger, source, tmp_path / "autre.jsonl", Options(resume=True))


def test_two_jobs_write_the_same_output_as_one(tiny_tagger, tmp_path, monkeypatch):
    monkeypatch.setattr(batch, "CHUNK_ROWS", 200)
    source = many_rows(tmp_path / "in.jsonl", 1500)
    annotate(tiny_tagger, source, tmp_path / "one.jsonl", Options(jobs=1))
    annotate(tiny_tagger, source, tmp_path / "two.jsonl", Options(jobs=2))
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


@pytest.mark.slow
def test_kill_9_mid_run_then_resume_gives_the_uninterrupted_output(tiny_model_dir, tmp_path):
    source = many_rows(tmp_path / "in.jsonl", 60000)
    command = [sys.executable, "-m", "sdgtagger.cli", "tag", "--model", str(tiny_model_dir), "--quiet",
               "--input", str(source)]
    subprocess.run(command + ["--output", str(tmp_path / "reference.jsonl")], check=True, cwd=ROOT, timeout=300)
    target = tmp_path / "out.jsonl"
    state = tmp_path / "out.jsonl.partial.state.json"
    process = subprocess.Popen(command + ["--output", str(target)], cwd=ROOT)
    deadline = time.time() + 120
    while time.time() < deadline and process.poll() is None:
        if state.exists() and json.loads(state.read_text() or "{}").get("rows", 0) >= 5000:
            break
        time.sleep(0.02)
    assert process.poll() is None, "the run ended before it could be killed: make the input larger"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert not target.exists()
    subprocess.run(command + ["--output", str(target), "--resume"], check=True, cwd=ROOT, timeout=300)
    assert target.read_bytes() == (tmp_path / "reference.jsonl").read_bytes()


def test_cli_reports_progress_summary_and_errors(tiny_model_dir, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text('id;text\n1;Forages\n2;"jamais fermé\n', encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sdgtagger.cli", "tag", "--model", str(tiny_model_dir),
                           "--input", str(source), "--output", str(tmp_path / "out.xlsx")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1
    assert "in.csv, ligne 3 : guillemets" in done.stderr and "2 lignes traitées" in done.stderr
    assert (tmp_path / "out.xlsx").exists()


def test_report_is_one_self_contained_page(tiny_tagger, tmp_path):
    from sdgtagger.report import write_report

    source = french_csv(tmp_path / "p.csv", [[f"P{i}", "", text, str(2019 + i % 3)] for i, text in
                                             enumerate([WATER, FOREST, WATER + " Santé des mères.", FOREST] * 3)])
    annotate(tiny_tagger, source, tmp_path / "p-odd.csv", Options(text_fields=["Description"]))
    profile = write_report(tmp_path / "p-odd.csv", tmp_path / "rapport.html", by_column="Année",
                           text_columns=["Description"], png_dir=tmp_path / "png", knowledge=tiny_tagger.knowledge)
    html = (tmp_path / "rapport.html").read_text(encoding="utf-8")
    assert profile.rows == 12 and profile.main[6] >= 3
    assert html.count("<svg") >= 4 and "#26BDE2" in html
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', html) and "url(http" not in html, "nothing fetched"
    assert "À revoir en priorité" in html and "Par « Année »" in html
    assert {p.name for p in (tmp_path / "png").iterdir()} >= {"odd.png", "cooccurrence.png", "repartition.png"}


def test_report_refuses_an_untagged_file(tiny_tagger, tmp_path):
    from sdgtagger.report import write_report
    source = french_csv(tmp_path / "p.csv", [["P1", "Eau", WATER, "2021"]])
    with pytest.raises(InputError, match="étiquetez d'abord"):
        write_report(source, tmp_path / "r.html")


def test_one_column_csv_with_commas_in_the_texts(tiny_tagger, tmp_path):
    source = tmp_path / "textes.csv"
    source.write_text("text\nForages, latrines et comités de gestion de l'eau\nReboisement, agroforesterie\n",
                      encoding="utf-8")
    summary = annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options())
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert summary.errors == 0 and rows[0]["text"] == "Forages, latrines et comités de gestion de l'eau"


def test_tab_separated_export(tiny_tagger, tmp_path):
    source = tmp_path / "export.tsv"
    source.write_text("id\ttext\n1\t" + WATER + "\n", encoding="utf-8")
    annotate(tiny_tagger, source, tmp_path / "out.jsonl", Options())
    assert read_jsonl(tmp_path / "out.jsonl")[0]["sdg_main"] == 6
