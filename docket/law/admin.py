"""Administrators add instruments, articles and the rules that map events to rights."""

from django.contrib import admin

from docket.law.models import Article, Instrument, RightsRule
from docket.lib.admin import DocketModelAdmin


class ArticleInline(admin.TabularInline[Article, Instrument]):
    model = Article
    extra = 1


@admin.register(Instrument)
class InstrumentAdmin(DocketModelAdmin[Instrument]):
    list_display = ["code", "name"]
    inlines = [ArticleInline]


@admin.register(RightsRule)
class RightsRuleAdmin(DocketModelAdmin[RightsRule]):
    list_display = ["event_type", "when", "why"]
    list_filter = ["event_type"]
    filter_horizontal = ["articles"]
