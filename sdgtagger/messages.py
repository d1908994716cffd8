"""French wording of validation errors (pydantic), shared by the knowledge files and the HTTP API."""
from __future__ import annotations


def french(item: dict) -> str:
    """One pydantic error item, in plain French."""
    kind = item.get("type", "")
    context = item.get("ctx") or {}
    messages = {
        "missing": "champ obligatoire absent",
        "json_invalid": "JSON invalide",
        "string_type": "une chaîne de caractères est attendue",
        "int_parsing": "un entier est attendu",
        "int_type": "un entier est attendu",
        "int_from_float": "un entier est attendu",
        "bool_parsing": "vrai ou faux (true/false) est attendu",
        "list_type": "une liste est attendue",
        "dict_type": "un objet JSON est attendu",
        "model_attributes_type": "un objet JSON est attendu",
        "literal_error": f"valeur attendue : {context.get('expected')}",
        "string_too_long": f"texte trop long : {context.get('max_length')} caractères au plus",
        "string_too_short": "texte vide ou trop court",
        "too_long": f"trop d'éléments : {context.get('max_length')} au plus",
        "too_short": "liste vide ou trop courte",
        "less_than_equal": f"valeur trop grande : {context.get('le')} au plus",
        "greater_than_equal": f"valeur trop petite : {context.get('ge')} au moins",
        "extra_forbidden": "champ inconnu",
        "value_error": str(context.get("error", item.get("msg"))).removeprefix("Value error, "),
    }
    return messages.get(kind, item.get("msg", "valeur invalide"))
