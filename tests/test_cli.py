"""The command line on real files in tmp_path: outputs, bad inputs, exit statuses."""
import json
import subprocess
import sys

import pytest

from sdgtagger.cli import main

from conftest import ROOT, WATER


@pytest.fixture
def run(tiny_model_dir, capsys):
    """Run `sdgtagger ARGS --model tiny` in-process: (status, stdout, stderr)."""
    def _run(*args, stdin=None, monkeypatch=None):
        argv = [str(tiny_model_dir) if a == "TINY" else a for a in args]
        if argv and argv[0] in ("tag", "evaluate"):
            argv += ["--model", str(tiny_model_dir)]
        try:
            status = main(argv)
        except SystemExit as exit:
            status = exit.code
        out, err = capsys.readouterr()
        return status, out, err
    return _run


def write_jsonl(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_tag_text_prints_a_french_summary(run):
    status, out, _ = run("tag", WATER)
    assert status == 0
    assert "ODD principal : 6 — Eau propre et assainissement" in out


def test_tag_json_prints_the_api_json(run):
    status, out, _ = run("tag", "--json", WATER)
    data = json.loads(out)
    assert status == 0 and data["sdg_main"] == 6 and len(data["sdg_scores"]) == 17


def test_tag_reads_stdin(run, monkeypatch):
    import io
    monkeypatch.setattr(sys, "stdin", io.StringIO(WATER))
    status, out, _ = run("tag", "-", "--json")
    assert status == 0 and json.loads(out)["sdg_main"] == 6


def test_batch_keeps_every_field_and_the_order(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [
        json.dumps({"id": "a", "text": WATER, "year": 2021}),
        json.dumps({"id": "b", "text": ""}),
        json.dumps({"id": "c", "text": "Reboisement et lutte contre la désertification au Sahel.", "extra": {"x": 1}}),
    ])
    status, _, err = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    assert status == 0, err
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["year"] == 2021 and rows[2]["extra"] == {"x": 1}
    assert rows[0]["sdg_main"] == 6 and rows[0]["sdgs"][0] == 6
    assert set(rows[0]["sdg_scores"]) == {str(g) for g in range(1, 18)}
    assert rows[1]["warnings"] == ["texte vide : aucun score calculé"] and rows[1]["sdg_main"] is None
    assert "3 lignes" in err


def test_batch_joins_text_fields_in_order(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"ref": 7, "titre": "Eau potable", "description": WATER})])
    status, _, err = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"),
                         "--text-field", "titre", "--text-field", "description", "--id-field", "ref")
    assert status == 0, err
    assert read_jsonl(tmp_path / "out.jsonl")[0]["sdg_main"] == 6


def test_invalid_json_on_line_n_is_named_and_kept_aside(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": WATER}), "{pas du json", json.dumps({"text": WATER})])
    status, _, err = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    assert status == 1
    assert "in.jsonl, ligne 2 : JSON invalide" in err
    assert len(read_jsonl(tmp_path / "out.jsonl")) == 2
    [error] = read_jsonl(tmp_path / "out.jsonl.erreurs.jsonl")
    assert error["line"] == 2


def test_missing_text_field_lists_the_available_ones(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"titre": "x", "description": WATER})])
    status, _, err = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    assert status == 1
    assert "champ « text » absent" in err and "titre, description" in err
    assert not (tmp_path / "out.jsonl").exists()
    assert list(tmp_path.iterdir()) == [source], "no half-written file may remain"


def test_later_record_without_text_gets_a_warning(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": WATER}), json.dumps({"titre": "x"})])
    status, _, _ = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    rows = read_jsonl(tmp_path / "out.jsonl")
    assert status == 0 and "champ « text » absent" in rows[1]["warnings"]


def test_empty_file_is_an_error(run, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(b"")
    status, _, err = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    assert status == 1 and "in.jsonl est vide" in err


def test_non_utf8_bytes_are_read_and_flagged(run, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_bytes(json.dumps({"text": "Forages et latrines à l'école, accès à l'eau potable"},
                                  ensure_ascii=False).encode("cp1252") + b"\n")
    status, _, _ = run("tag", "--input", str(source), "--output", str(tmp_path / "out.jsonl"))
    [row] = read_jsonl(tmp_path / "out.jsonl")
    assert status == 0
    assert row["text"] == "Forages et latrines à l'école, accès à l'eau potable"
    assert any("non UTF-8" in w for w in row["warnings"])


def test_existing_output_needs_force(run, tmp_path):
    source = write_jsonl(tmp_path / "in.jsonl", [json.dumps({"text": WATER})])
    target = tmp_path / "out.jsonl"
    target.write_text("précieux\n")
    status, _, err = run("tag", "--input", str(source), "--output", str(target))
    assert status == 1 and "--force" in err and target.read_text() == "précieux\n"
    status, _, _ = run("tag", "--input", str(source), "--output", str(target), "--force")
    assert status == 0 and read_jsonl(target)[0]["sdg_main"] == 6


def test_usage_errors_exit_2(run, tmp_path):
    assert run("tag")[0] == 2
    assert run("tag", "--input", str(tmp_path / "x.jsonl"))[0] == 2
    assert run("nimporte")[0] == 2


def test_missing_input_file_is_named(run, tmp_path):
    status, _, err = run("tag", "--input", str(tmp_path / "absent.jsonl"), "--output", str(tmp_path / "o.jsonl"))
    assert status == 1 and "absent.jsonl" in err and "introuvable" in err


def test_evaluate_prints_the_scores(run, tmp_path):
    from conftest import write_tiny_corpus
    data = write_tiny_corpus(tmp_path / "data")
    status, out, _ = run("evaluate", "--data", str(data))
    assert status == 0 and "micro-F1" in out and "top-3" in out


def test_console_script_runs_in_a_fresh_process(tiny_model_dir):
    done = subprocess.run([sys.executable, "-m", "sdgtagger.cli", "tag", "--model", str(tiny_model_dir), WATER],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0 and "ODD principal : 6" in done.stdout


def test_recommend_prints_links_questions_and_levers(run, tmp_path):
    status, out, _ = run("recommend", WATER, "--model", "TINY", "--graph", str(tmp_path / "g.svg"))
    assert status == 0
    assert "Liens transversaux à considérer" in out and "Question :" in out and "Financements possibles" in out
    assert (tmp_path / "g.svg").read_text().startswith("<svg")


def test_recommend_json_and_goals(run):
    status, out, _ = run("recommend", "--goals", "6,3", "--json", "--model", "TINY")
    data = json.loads(out)
    assert status == 0 and {"links", "targets", "similar", "funding"} <= set(data)
    assert run("recommend", "--goals", "6,19", "--model", "TINY")[0] == 2
    assert run("recommend", "--model", "TINY")[0] == 2
