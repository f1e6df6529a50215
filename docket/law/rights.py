"""Which rights an event engages, by the shipped rules (docket/law/rights.json)."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from docket.law.models import Article, RightsRule


def load_rules() -> dict[int, list[RightsRule]]:
    """Every rule, grouped by event type id; two queries."""
    rules: dict[int, list[RightsRule]] = defaultdict(list)
    for rule in RightsRule.objects.prefetch_related("articles__instrument"):
        rules[rule.event_type_id].append(rule)
    return rules


def _matches(rule: RightsRule, event: Any) -> bool:
    return all(getattr(event, field, None) == value for field, value in rule.when.items())


def articles_engaged(
    events: Iterable[Any], rules: dict[int, list[RightsRule]] | None = None
) -> list[Article]:
    """The articles the events engage, each once, in a stable order."""
    rules = load_rules() if rules is None else rules
    found: dict[int, Article] = {}
    for event in events:
        for rule in rules.get(event.type_id, []):
            if _matches(rule, event):
                for article in rule.articles.all():
                    found[article.pk] = article
    return sorted(found.values(), key=_article_order)


def _article_order(article: Article) -> tuple[str, int, str]:
    number = article.number
    digits = "".join(character for character in number if character.isdigit())
    return (article.instrument.code, int(digits) if digits else 0, number)


def rights_at_stake(
    events: Iterable[Any], rules: dict[int, list[RightsRule]] | None = None
) -> list[str]:
    """References such as "ICCPR 9", the form the API and the interchange format use."""
    return [article.reference for article in articles_engaged(events, rules)]
