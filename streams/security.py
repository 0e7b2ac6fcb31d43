"""The broker connection's security: TLS and SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) from settings.

One place turns the `GEOWIRE_SECURITY_PROTOCOL`, `GEOWIRE_SASL_*` and `GEOWIRE_SSL_*` settings into
what the clients need: `client_kwargs` for plain aiokafka clients (producer, consumer, admin) and
`faust_credentials` for the Faust app's `broker_credentials`. Secrets never appear in a repr, a
log line or `geowire settings`.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

from .settings import Settings, SettingsError, env_name

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def _uses_tls(settings: Settings) -> bool:
    return settings.security_protocol in ("SSL", "SASL_SSL")


def _uses_sasl(settings: Settings) -> bool:
    return settings.security_protocol in ("SASL_PLAINTEXT", "SASL_SSL")


def check(settings: Settings) -> None:
    """Raise SettingsError, naming the variable, for a combination geowire cannot connect with."""
    if _uses_sasl(settings):
        for name in ("sasl_username", "sasl_password"):
            if not getattr(settings, name):
                raise SettingsError(f"{env_name(name)} must be set when GEOWIRE_SECURITY_PROTOCOL is {settings.security_protocol}")
    for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile"):
        path = getattr(settings, name)
        if path and not Path(path).expanduser().is_file():
            raise SettingsError(f"{env_name(name)}={path!r}: no such file")
    if settings.ssl_keyfile and not settings.ssl_certfile:
        raise SettingsError(f"{env_name('ssl_keyfile')} needs {env_name('ssl_certfile')} (the client certificate)")


def ssl_context(settings: Settings) -> ssl.SSLContext | None:
    """The TLS context for SSL and SASL_SSL (None otherwise): the CA file, an optional client certificate."""
    if not _uses_tls(settings):
        return None
    check(settings)
    context = ssl.create_default_context(cafile=str(Path(settings.ssl_cafile).expanduser()) if settings.ssl_cafile else None)
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile:
        context.load_cert_chain(
            str(Path(settings.ssl_certfile).expanduser()),
            str(Path(settings.ssl_keyfile).expanduser()) if settings.ssl_keyfile else None,
            password=settings.ssl_key_password or None,
        )
    return context


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Keyword arguments for AIOKafkaProducer, AIOKafkaConsumer and AIOKafkaAdminClient."""
    check(settings)
    kwargs: dict[str, Any] = {"security_protocol": settings.security_protocol}
    context = ssl_context(settings)
    if context is not None:
        kwargs["ssl_context"] = context
    if _uses_sasl(settings):
        kwargs.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=settings.sasl_password,
        )
    return kwargs


def faust_credentials(settings: Settings) -> Any:
    """`broker_credentials` for faust.App: None for PLAINTEXT, else SSL or SASL credentials."""
    import faust

    check(settings)
    if settings.security_protocol == "PLAINTEXT":
        return None
    context = ssl_context(settings)
    if settings.security_protocol == "SSL":
        return faust.SSLCredentials(context)
    return faust.SASLCredentials(
        username=settings.sasl_username, password=settings.sasl_password, ssl_context=context, mechanism=settings.sasl_mechanism,
    )
