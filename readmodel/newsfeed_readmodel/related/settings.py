"""Everything a related list depends on besides the live articles, with one fingerprint."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from .embedding import static_model
from .features import FeatureSettings
from .scoring import ScoreSettings

__all__ = ["RelatedSettings"]


@dataclass(frozen=True, slots=True)
class RelatedSettings:
    features: FeatureSettings = field(default_factory=FeatureSettings)
    scores: ScoreSettings = field(default_factory=ScoreSettings)
    default_language: str = "en"  # the language of an article that does not say

    def features_fingerprint(self) -> str:
        """Names what stored features were computed with: another value means recomputing them."""
        text = f"{static_model().fingerprint}|{self.features.fingerprint()}|{self.default_language}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def fingerprint(self) -> str:
        """Names what stored lists were computed with: another value means a rebuild of every list."""
        text = f"{self.features_fingerprint()}|{self.scores.fingerprint()}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]
