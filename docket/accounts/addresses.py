"""The address a request came from, for counting failed log-ins per user name and address.

Behind the proxy the README describes (`DOCKET_BEHIND_PROXY=on`), every request
arrives from the proxy's own address; the client's is the last one the proxy
added to X-Forwarded-For. Addresses before it were sent by the client and
may be anything, so they are never used: a stranger cannot pass for the
administrator's address, nor lock the administrator out from elsewhere.
"""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    if settings.BEHIND_PROXY:
        forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR", ""))
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-1]
    address = request.META.get("REMOTE_ADDR")
    return str(address) if address else None
