"""Expansion items outside the evaluator's core: ``${acl}``, ``${authresults}``,
``${certextract}``, ``${dlfunc}``, ``${env}``, ``${hmac}``, ``${imapfolder}``,
``${listquote}``, ``${perl}``, ``${prvs}``, ``${prvscheck}``, ``${readfile}``,
``${readsocket}``, ``${run}``, ``${srs_encode}`` and the ``inbound_srs``
condition. Each module registers its built-ins when imported."""

from acl.builtins.items import (  # noqa: F401  (imported for registration)
    certextract,
    external,
    files,
    imapfolder,
    signing,
    simple,
)
