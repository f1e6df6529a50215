"""Administrators add instruments, articles and the rules that map events to rights."""

from django.contrib import admin

from docket.law.models import Article, Instrument, RightsRule


class ArticleInline(admin.TabularInline[Article, Instrument]):
    model = Article
    extra = 1


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin[Instrument]):
    list_display = ["code", "name"]
    inlines = [ArticleInline]


@admin.register(RightsRule)
class RightsRuleAdmin(admin.ModelAdmin[RightsRule]):
    list_display = ["event_type", "when", "why"]
    list_filter = ["event_type"]
    filter_horizontal = ["articles"]
