"""Security headers on every response: nothing from a source may run in a citizen's browser."""

from __future__ import annotations

from flask import Response

# No inline script or style anywhere, so the policy needs no nonces. Images may be our own
# files or data: URLs; anything else (trackers, a source's hot-linked images) is refused.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",  # for browsers that predate frame-ancestors
}


def set_security_headers(response: Response) -> Response:
    """Add the security headers, keeping any a view set on purpose."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response
