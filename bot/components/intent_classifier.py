"""Intent classifier: logistic regression over jieba words and sentence-wide character n-grams.

Rasa's CountVectorsFeaturizer builds character n-grams inside each token only; for Chinese,
where jieba's cuts vary with context, n-grams across the whole sentence generalise much better
from a few dozen examples per intent (`make eval` measures it). Both feature sets are TF-IDF
weighted with sublinear term frequency and normalised per message, so a long message full of
greetings and order details is not dominated by its many common n-grams. The model is stored
as JSON vocabularies and NumPy arrays, never pickled.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List, Optional, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.nlu.constants import TOKENS_NAMES
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

WEIGHTS_FILE = "weights.npz"
VOCABULARY_FILE = "vocabulary.json"


def _words(message: Message) -> List[Text]:
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return [token.text.lower() for token in tokens]


def _identity(words: List[Text]) -> List[Text]:
    return words


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True
)
class SentenceIntentClassifier(GraphComponent, IntentClassifier):
    """Predicts the intent from word and character n-gram counts of the normalised message."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "C": 1.0,
            "max_iter": 2000,
            "min_char_ngram": 1,
            "max_char_ngram": 3,
            "min_char_ngram_count": 1,
            "ranking_length": 10,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        words: Optional[TfidfVectorizer] = None,
        chars: Optional[TfidfVectorizer] = None,
        classifier: Optional[LogisticRegression] = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.words = words
        self.chars = chars
        self.classifier = classifier

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceIntentClassifier":
        return cls(config, model_storage, resource)

    def _vectorizers(
        self, word_vocabulary: Optional[Dict[Text, int]] = None, char_vocabulary: Optional[Dict[Text, int]] = None
    ) -> None:
        self.words = TfidfVectorizer(analyzer=_identity, vocabulary=word_vocabulary, sublinear_tf=True)
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(self.config["min_char_ngram"], self.config["max_char_ngram"]),
            vocabulary=char_vocabulary,
            sublinear_tf=True,
            # n-grams seen in fewer training examples than this are left out (when fitting only).
            min_df=self.config["min_char_ngram_count"],
        )

    def _features(self, messages: List[Message]) -> csr_matrix:
        return hstack(
            [
                self.words.transform([_words(m) for m in messages]),
                self.chars.transform([m.get(TEXT) or "" for m in messages]),
            ]
        ).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        examples = [m for m in training_data.intent_examples if m.get(INTENT)]
        self._vectorizers()
        self.words.fit([_words(m) for m in examples])
        self.chars.fit([m.get(TEXT) or "" for m in examples])
        features = self._features(examples)
        # newton-cg reaches the same weights as the default lbfgs (identical probabilities to three
        # decimals on 7,007 examples) in 20 iterations instead of 166: 16 s instead of 26 s.
        self.classifier = LogisticRegression(
            C=self.config["C"], solver="newton-cg", max_iter=self.config["max_iter"], random_state=42
        )
        self.classifier.fit(features, [m.get(INTENT) for m in examples])
        self.persist()
        return self._resource

    def persist(self) -> None:
        with self._model_storage.write_to(self._resource) as directory:
            vocabulary = {
                "words": {k: int(v) for k, v in self.words.vocabulary_.items()},
                "chars": {k: int(v) for k, v in self.chars.vocabulary_.items()},
                "classes": [str(c) for c in self.classifier.classes_],
            }
            (directory / VOCABULARY_FILE).write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
            np.savez(
                directory / WEIGHTS_FILE,
                coef=self.classifier.coef_,
                intercept=self.classifier.intercept_,
                word_idf=self.words.idf_,
                char_idf=self.chars.idf_,
            )

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "SentenceIntentClassifier":
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                vocabulary = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
                weights = np.load(directory / WEIGHTS_FILE)
                coef, intercept = weights["coef"], weights["intercept"]
                word_idf, char_idf = weights["word_idf"], weights["char_idf"]
        except ValueError:
            return component  # not trained (no intent examples): process() leaves messages alone
        component._vectorizers(vocabulary["words"], vocabulary["chars"])
        component.words.idf_, component.chars.idf_ = word_idf, char_idf
        classifier = LogisticRegression()
        classifier.classes_ = np.array(vocabulary["classes"])
        classifier.coef_, classifier.intercept_ = coef, intercept
        component.classifier = classifier
        return component

    def process(self, messages: List[Message]) -> List[Message]:
        if self.classifier is None or not messages:
            return messages
        texts = []
        for message in messages:
            if (message.get(TEXT) or "").strip():
                texts.append(message)
            else:
                # Nothing left after normalisation (an emoji-only message): no intent, so the
                # fallback asks what the shopper means.
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
        if not texts:
            return messages
        probabilities = self.classifier.predict_proba(self._features(texts))
        for message, row in zip(texts, probabilities):
            order = np.argsort(row)[::-1]
            ranking = [
                {"name": str(self.classifier.classes_[i]), "confidence": float(row[i])}
                for i in order[: self.config["ranking_length"]]
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
