"""`sdgtagger` command line: parse arguments, call the library, print. Exit 0 ok, 1 failure, 2 usage."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

_ARGPARSE_FRENCH = {
    "the following arguments are required": "arguments obligatoires manquants",
    "unrecognized arguments": "arguments inconnus",
    "invalid choice": "choix invalide",
    "expected one argument": "une valeur est attendue",
    "not allowed with argument": "incompatible avec l'argument",
    "invalid float value": "nombre invalide",
    "invalid int value": "entier invalide",
}


class FrenchParser(argparse.ArgumentParser):
    def error(self, message):
        for english, french in _ARGPARSE_FRENCH.items():
            message = message.replace(english, french)
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog} : erreur d'utilisation : {message}\n")


class Failure(Exception):
    """An error to print in French and exit with status 1."""


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args) or 0
    except Failure as error:
        print(f"sdgtagger : {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sdgtagger : interrompu", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = FrenchParser(prog="sdgtagger",
                          description="Étiquetage ODD de textes de projets en français.")
    parser.add_argument("--version", action="version", version=_version())
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE",
                                     parser_class=FrenchParser)

    tag = commands.add_parser("tag", help="étiquette un texte, ou un fichier avec --input/--output")
    tag.add_argument("text", nargs="?", help="le texte ; « - » pour lire l'entrée standard")
    tag.add_argument("--json", action="store_true", help="affiche le JSON de POST /api/v1/tag")
    tag.add_argument("--input", type=Path, help="fichier à étiqueter (.jsonl, .csv, .xlsx)")
    tag.add_argument("--output", type=Path, help="fichier écrit (.jsonl, .csv, .xlsx)")
    tag.add_argument("--format", choices=("jsonl", "csv", "xlsx"),
                     help="format de l'entrée et de la sortie si leur extension ne le dit pas")
    tag.add_argument("--output-format", choices=("jsonl", "csv", "xlsx"), help="format de la sortie, s'il diffère")
    tag.add_argument("--sheet", help="feuille du classeur .xlsx (nom, ou numéro à partir de 1) ; défaut : la première")
    tag.add_argument("--jobs", type=int, default=1, help="processus d'étiquetage en parallèle (défaut : 1)")
    tag.add_argument("--resume", action="store_true", help="reprend une exécution interrompue")
    tag.add_argument("--text-field", action="append", dest="text_fields", metavar="CHAMP",
                     help="champ du texte (répétable : les champs sont joints dans l'ordre) ; défaut : text")
    tag.add_argument("--id-field", metavar="CHAMP", help="champ identifiant des enregistrements ; défaut : id")
    tag.add_argument("--force", action="store_true", help="remplace le fichier de sortie s'il existe")
    tag.add_argument("--quiet", action="store_true", help="n'affiche ni barre de progression ni bilan")
    tag.add_argument("--model", type=Path, help="dossier du modèle (défaut : SDGTAGGER_MODEL_DIR ou models/)")
    tag.set_defaults(run=_tag)

    train = commands.add_parser("train", help="reconstruit le modèle à partir de training_data/")
    train.add_argument("--data", type=Path, help="dossier des données (défaut : training_data/)")
    train.add_argument("--output", type=Path, help="dossier du modèle écrit (défaut : models/)")
    train.add_argument("--register", metavar="URL",
                       help="ajoute les projets validés du registre (URL SQLAlchemy, ex. sqlite:///registre.sqlite3)")
    train.set_defaults(run=_train)

    evaluate = commands.add_parser("evaluate", help="scores par objectif sur la partie test du corpus")
    evaluate.add_argument("--data", type=Path, help="dossier des données (défaut : training_data/)")
    evaluate.add_argument("--model", type=Path, help="dossier du modèle")
    evaluate.add_argument("--split", choices=("test", "validation"), default="test")
    evaluate.add_argument("--json", action="store_true", help="affiche les scores en JSON")
    evaluate.set_defaults(run=_evaluate)
    recommend = commands.add_parser("recommend", help="liens transversaux, cibles, projets voisins, financements")
    recommend.add_argument("text", nargs="?", help="le texte ; « - » pour lire l'entrée standard")
    recommend.add_argument("--goals", help="à la place d'un texte : les ODD du projet, le principal d'abord (ex. 6,3)")
    recommend.add_argument("--json", action="store_true", help="affiche le JSON de POST /api/v1/recommend")
    recommend.add_argument("--graph", type=Path, metavar="FICHIER.svg", help="écrit le réseau des objectifs en SVG")
    recommend.add_argument("--model", type=Path, help="dossier du modèle")
    recommend.set_defaults(run=_recommend)

    report = commands.add_parser("report", help="profil ODD d'une archive étiquetée, en une page HTML autonome")
    report.add_argument("annotated", type=Path, metavar="SORTIE", help="le fichier écrit par « sdgtagger tag --output »")
    report.add_argument("--html", type=Path, required=True, metavar="FICHIER.html", help="la page écrite")
    report.add_argument("--by", metavar="COLONNE", help="répartition par cette colonne (année, porteur, pays…)")
    report.add_argument("--text-field", action="append", dest="text_fields", metavar="CHAMP",
                        help="champ(s) du texte, pour la liste à revoir ; défaut : text")
    report.add_argument("--png", type=Path, metavar="DOSSIER", help="écrit aussi les graphiques en PNG dans ce dossier")
    report.add_argument("--format", choices=("jsonl", "csv", "xlsx"), help="format du fichier si l'extension ne le dit pas")
    report.add_argument("--force", action="store_true", help="remplace la page si elle existe")
    report.add_argument("--model", type=Path, help="dossier du modèle (pour les liens connus entre ODD)")
    report.set_defaults(run=_report)

    serve = commands.add_parser("serve", help="démarre le service HTTP (API et pages du personnel)")
    serve.add_argument("--host", default="127.0.0.1", help="adresse d'écoute (défaut : 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (défaut : 8000)")
    serve.add_argument("--workers", type=int, default=1, help="nombre de processus (défaut : 1)")
    serve.set_defaults(run=_serve)
    return parser


def _version() -> str:
    from . import __version__
    return f"sdgtagger {__version__}"


def _load(model_dir):
    from .model import ModelError
    from .tagger import Tagger

    try:
        return Tagger.load(model_dir)
    except ModelError as error:
        raise Failure(str(error)) from None


def _tag(args) -> int:
    if args.input or args.output:
        if args.text is not None or args.json:
            raise SystemExit(_usage("tag", "un texte ou --json ne vont pas avec --input/--output"))
        if not (args.input and args.output):
            raise SystemExit(_usage("tag", "--input et --output vont ensemble"))
        return _tag_file(args)
    if args.resume or args.jobs != 1 or args.sheet:
        raise SystemExit(_usage("tag", "--resume, --jobs et --sheet vont avec --input/--output"))
    if args.text is None:
        raise SystemExit(_usage("tag", "donnez un texte, « - » pour l'entrée standard, ou --input/--output"))
    text = sys.stdin.read() if args.text == "-" else args.text
    tagger = _load(args.model)
    [tagging] = tagger.tag([text])
    if args.json:
        print(json.dumps(tagging.to_dict(tagger.version), ensure_ascii=False, indent=2))
    else:
        print(_readable(tagging))
    return 0


def _usage(command: str, message: str) -> int:
    print(f"sdgtagger {command} : erreur d'utilisation : {message}", file=sys.stderr)
    return 2


def _tag_file(args) -> int:
    from .batch import Options, annotate
    from .io import InputError

    if args.jobs < 1:
        raise SystemExit(_usage("tag", "--jobs attend un nombre de processus ≥ 1"))
    options = Options(text_fields=args.text_fields or ["text"], id_field=args.id_field, in_format=args.format,
                      out_format=args.output_format or args.format, sheet=args.sheet, jobs=args.jobs,
                      resume=args.resume, force=args.force, progress=not args.quiet)
    tagger = _load(args.model)
    try:
        summary = annotate(tagger, args.input, args.output, options)
    except InputError as error:
        raise Failure(str(error)) from None
    for message in summary.messages[:20]:
        print(f"sdgtagger : {message}", file=sys.stderr)
    if not args.quiet:
        print(summary.french(), file=sys.stderr)
    return 1 if summary.errors else 0


def _readable(tagging) -> str:
    from . import catalogue

    lines = []
    if tagging.main is None:
        lines.append("Aucun ODD identifié.")
    else:
        lines.append(f"ODD principal : {tagging.main} — {catalogue.name(tagging.main)}")
        lines.append("ODD identifiés :")
        for goal in tagging.goals:
            score = tagging.scores[goal]
            bar = "█" * round(score * 10)
            terms = ", ".join(e.term for e in tagging.evidence.get(goal, []))
            lines.append(f"  {goal:>2}  {catalogue.name(goal)[:44]:<44} {score:5.2f} {bar:<10}  {terms}")
        evidence = tagging.evidence.get(tagging.main, [])
        if evidence:
            lines.append(f"Phrase clé : « {evidence[0].sentence} »")
    for warning in tagging.warnings:
        lines.append(f"Attention : {warning}")
    return "\n".join(lines)


def _recommend(args) -> int:
    from .graph import goal_network_svg
    from .recommend import Recommender

    if (args.text is None) == (args.goals is None):
        raise SystemExit(_usage("recommend", "donnez un texte (ou « - ») ou bien --goals, pas les deux"))
    goals = None
    if args.goals is not None:
        try:
            goals = [int(g) for g in args.goals.replace(";", ",").split(",") if g.strip()]
        except ValueError:
            raise SystemExit(_usage("recommend", f"--goals attend des numéros d'ODD séparés par des virgules, pas « {args.goals} »"))
        if not goals or not all(1 <= g <= 17 for g in goals) or len(set(goals)) != len(goals):
            raise SystemExit(_usage("recommend", "--goals attend des ODD distincts de 1 à 17"))
    tagger = _load(args.model)
    text = (sys.stdin.read() if args.text == "-" else args.text) if args.text is not None else None
    tagging = tagger.tag([text])[0] if text is not None else None
    recommendation = Recommender(tagger, tagger.knowledge).recommend(text, goals, tagging)
    if args.graph:
        args.graph.write_text(goal_network_svg(recommendation), encoding="utf-8")
    if args.json:
        data = recommendation.to_dict()
        if tagging is not None:
            data = {"sdgs": tagging.to_dict(tagger.version)["sdgs"], **data}
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(_readable_recommendation(tagging, recommendation))
    return 0


def _readable_recommendation(tagging, recommendation) -> str:
    lines = [_readable(tagging), ""] if tagging is not None else []
    if recommendation.links:
        lines.append("Liens transversaux à considérer :")
    for link in recommendation.links[:5]:
        lines.append(f"  {link['goal']:>2}  {link['name']} — {link['kind']} ({link['strength']:+d}) depuis l'ODD "
                     f"{', '.join(map(str, link['from']))}")
        lines.append(f"      Pourquoi : {link['why']}")
        if link.get("raised_for_similar", 0) >= 0.25:
            lines.append(f"      Soulevé pour {100 * link['raised_for_similar']:.0f} % des projets proches annotés")
        lines.append(f"      Question : {link['question']}")
    if recommendation.targets:
        lines.append("Cibles :")
        for target in recommendation.targets:
            lines.append(f"  {target['target']:<5} {target['description'][:100]}"
                         f"{' (' + ', '.join(target['evidence']) + ')' if target['evidence'] else ''}")
    if recommendation.similar:
        lines.append("Projets voisins :")
        for project in recommendation.similar:
            lines.append(f"  [{project['id']}] {project['title']} — ODD {', '.join(map(str, project['sdgs']))}")
    if recommendation.funding:
        lines.append("Financements possibles :")
        for lever in recommendation.funding:
            lines.append(f"  {lever['name']} (ODD {', '.join(map(str, lever['goals']))}) : {lever['conditions']}")
    for warning in recommendation.warnings:
        lines.append(f"Attention : {warning}")
    return "\n".join(lines)


def _report(args) -> int:
    from .io import InputError
    from .report import write_report

    if args.html.exists() and not args.force:
        raise Failure(f"{args.html} existe déjà : ajoutez --force pour le remplacer")
    knowledge = _load(args.model).knowledge
    try:
        profile = write_report(args.annotated, args.html, args.format, args.by, args.text_fields or ["text"],
                               args.png, knowledge)
    except InputError as error:
        raise Failure(str(error)) from None
    print(f"rapport écrit dans {args.html} ({profile.rows} projets)", file=sys.stderr)
    return 0


def register_examples(url: str):
    """The register's validated projects as training examples (main goal first)."""
    from .corpus import Example

    try:
        from service.register import Register
        projects = Register(url).validated()
    except Exception as error:  # a wrong URL or an unreadable database: say which
        raise Failure(f"registre illisible ({url}) : {error}") from None
    examples = [Example(f"registre-{p['id']}", f"{p['title']}\n{p['description']}", tuple(p["validated_sdgs"]),
                        "registre", place=p.get("country")) for p in projects if p["validated_sdgs"]]
    print(f"registre : {len(examples)} projets validés ajoutés à l'entraînement", file=sys.stderr)
    return examples


def _train(args) -> int:
    from .corpus import CorpusError
    from .recommend import KnowledgeError
    from .training import train

    extra = register_examples(args.register) if args.register else []
    try:
        meta = train(args.data, args.output, extra_examples=extra, log=lambda m: print(m, file=sys.stderr))
    except (CorpusError, KnowledgeError) as error:
        raise Failure(str(error)) from None
    test = meta["metrics"].get("test")
    print(f"modèle {meta['version']} écrit dans {args.output or 'models/'}", file=sys.stderr)
    if test:
        print(f"test : micro-F1 {test['micro_f1']:.3f}, macro-F1 {test['macro_f1']:.3f}, "
              f"top-1 {test['top1']:.3f}, top-3 {test['top3']:.3f}", file=sys.stderr)
    return 0


def _evaluate(args) -> int:
    from . import catalogue
    from .corpus import CorpusError
    from .training import evaluate

    tagger = _load(args.model)
    try:
        scores = evaluate(tagger, args.data, args.split)
    except CorpusError as error:
        raise Failure(str(error)) from None
    if args.json:
        print(json.dumps(scores.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"Évaluation sur la partie « {args.split} » ({scores.n} exemples), modèle {tagger.version}")
    print(f"{'ODD':>3}  {'nom':<44} {'précision':>9} {'rappel':>7} {'F1':>6} {'exemples':>8}")
    for goal, row in scores.per_goal.items():
        print(f"{goal:>3}  {catalogue.name(goal)[:44]:<44} {row['precision']:9.3f} {row['recall']:7.3f} "
              f"{row['f1']:6.3f} {row['support']:8d}")
    print(f"micro-F1 {scores.micro_f1:.3f}   macro-F1 {scores.macro_f1:.3f}   "
          f"top-1 {scores.top1:.3f}   top-3 {scores.top3:.3f}   "
          f"(top-1 parmi tous les ODD du texte : {scores.top1_any:.3f})")
    return 0


def _serve(args) -> int:
    import uvicorn

    print(f"sdgtagger : service sur http://{args.host}:{args.port}/ (page du personnel), "
          f"http://{args.host}:{args.port}/docs (API)", file=sys.stderr)
    uvicorn.run("service.app:create_app", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
