"""The form that saves a filtered list under a name, for its owner or a team."""

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from docket.accounts.models import Team, User
from docket.search.models import SavedSearch

# Where a list was, not what it holds: a saved search starts on its first page.
PLACE_PARAMETERS = ("after", "before", "last", "page")


class SavedSearchForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SavedSearch
        fields = ["name", "team", "page", "query"]
        widgets = {
            "page": forms.HiddenInput,
            "query": forms.HiddenInput,
            "name": forms.TextInput(attrs={"dir": "auto"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        team = self.fields["team"]
        assert isinstance(team, forms.ModelChoiceField)  # noqa: S101 - a ForeignKey's field
        team.queryset = Team.objects.filter(members=user).order_by("name")
        team.empty_label = str(_("Only me"))
        team.help_text = _("Members of the team can open it; each sees what they may see.")

    def clean_query(self) -> str:
        query = QueryDict(self.cleaned_data.get("query") or "", mutable=True)
        for name in PLACE_PARAMETERS:
            query.pop(name, None)
        text = query.urlencode()
        if len(text) > 2000:
            raise forms.ValidationError(_("This list has too many filters to save."))
        return text

    def save(self, commit: bool = True) -> SavedSearch:
        saved: SavedSearch = super().save(commit=False)
        saved.owner = self.user
        if commit:
            saved.save()
        return saved
