"""PROXY protocol (v1 and v2) for connections that reach the SMTP server
through a load balancer such as HAProxy. See docs/PROXY.md."""

from acl.proxy.header import ProxyError, ProxyInfo, parse, parse_v1, parse_v2
from acl.proxy.reader import read_proxy_header
from acl.proxy.session import (REFUSAL, ProxyState, apply_proxy, command_refused, negotiate,
                               negotiation_failed, prx_field, proxy_required, proxy_timeout,
                               relookup_host)

__all__ = ["ProxyError", "ProxyInfo", "ProxyState", "REFUSAL", "apply_proxy", "command_refused",
           "negotiate", "negotiation_failed", "parse", "parse_v1", "parse_v2", "proxy_required",
           "proxy_timeout", "prx_field", "read_proxy_header", "relookup_host"]
