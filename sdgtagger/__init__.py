"""sdgtagger: French project texts → the 17 Sustainable Development Goals (ODD).

The public API:

    from sdgtagger import Tagger
    tagger = Tagger.load()                       # the bundled model, or $SDGTAGGER_MODEL_DIR
    [tagging] = tagger.tag(["Forages et latrines dans trois villages de la région de Kayes"])
    tagging.goals, tagging.main, tagging.scores, tagging.evidence, tagging.warnings
"""
__version__ = "0.1.0"

from .model import ModelError  # noqa: E402
from .tagger import Evidence, Tagger, Tagging  # noqa: E402

__all__ = ["Tagger", "Tagging", "Evidence", "ModelError", "__version__"]
