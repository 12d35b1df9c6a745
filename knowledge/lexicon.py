"""Interests and categories with their words in every language (``data/interests.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.languages import pick


@dataclass(frozen=True)
class Interest:
    """A visitor interest; its key doubles as an attraction tag and a Rasa entity value."""

    key: str
    names: dict[str, str]
    terms: dict[str, tuple[str, ...]]
    query: str

    def name(self, lang: str) -> str:
        return pick(self.names, lang)


@dataclass(frozen=True)
class Lexicon:
    interests: dict[str, Interest]
    categories: dict[str, dict[str, str]]
    # ``data/request_words.yaml``: group (kinds, times, profile) -> key -> every term, any language
    request_words: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    def category_name(self, key: str, lang: str) -> str:
        return pick(self.categories.get(key, {"en": key.replace("_", " ")}), lang)

    @classmethod
    def from_dicts(cls, interests: dict, categories: dict, request_words: dict | None = None) -> Lexicon:
        return cls(
            interests={
                key: Interest(
                    key=key,
                    names=dict(value["names"]),
                    terms={lang: tuple(t.lower() for t in terms) for lang, terms in value["terms"].items()},
                    query=value["query"],
                )
                for key, value in interests.items()
            },
            categories={key: dict(value) for key, value in categories.items()},
            request_words={
                group: {
                    key: tuple(t.lower() for terms in by_lang.values() for t in terms) for key, by_lang in keys.items()
                }
                for group, keys in (request_words or {}).items()
            },
        )
