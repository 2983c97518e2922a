"""Single sign-on with OpenID Connect (mozilla-django-oidc), off unless ``OIDC_ENABLED``.

``claims`` turns the identity provider's claims into cxalign groups and role ownership (pure
functions), ``discovery`` reads the provider's endpoints from its issuer, ``backend`` signs
people in (creating them on first sign-in), ``views`` start and finish the round trip, explain
a refusal and end the provider's session on sign-out.
"""
