"""The expansion variables of Exim 4.96 (``$name``).

Most are plain: their value is whatever the host program (the CLI, the SMTP
session) put in ``ctx.variables``, with Exim's value for "not set" as default
(``0``, ``-1``, ``no``, or empty), as shown by ``exim -be '$name'``. Computed ones
(time of day, process and build facts, values derived from the configuration or
from the message) have getters. ``$acl_c*``/``$acl_m*``, headers, ``$item``,
``$value`` and ``$0``..``$9`` are resolved by the expansion core itself.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any, Callable

from acl.builtins.registry import REGISTRY
from acl.runtime.values import TaintedStr

EXIM_VERSION = "4.96"  # the language version this interpreter follows
COMPILE_NUMBER = "1"
COMPILE_DATE = "01-Jan-2024 00:00:00"
DEFAULT_SPOOL = "/var/spool/exim4"
DEFAULT_LOG_DIR = "/var/log/exim4"
DEFAULT_EXIM_PATH = "/usr/sbin/exim4"
UNSET_ID = "4294967295"  # (uid_t)-1, printed unsigned as Exim does

# Values that came from the remote side (or from a message): tainted, as in 4.94+.
# ($mime_decoded_filename is not: Exim builds that name itself, so ${readfile} may open it.)
TAINTED = frozenset("""
acl_verify_message address_data authenticated_fail_id authenticated_id
authenticated_sender bounce_recipient callout_address csa_status dkim_algo
dkim_canon_body dkim_canon_headers dkim_copiedheaders dkim_cur_signer dkim_domain
dkim_headernames dkim_identity dkim_key_notes dkim_selector dkim_signers
dkim_verify_reason dkim_verify_status dmarc_ar_header dmarc_domain_policy
dmarc_status dmarc_status_text dmarc_used_domain dnslist_domain dnslist_matched
dnslist_text dnslist_value domain domain_data event_data headers_added host
host_address host_data ldap_dn local_part local_part_data local_part_prefix
local_part_prefix_v local_part_suffix local_part_suffix_v malware_name
message_body message_body_end message_headers message_headers_raw
mime_anomaly_text mime_boundary mime_charset mime_content_description
mime_content_disposition mime_content_id mime_content_transfer_encoding
mime_content_type mime_filename original_domain
original_local_part parent_domain parent_local_part prvscheck_address
prvscheck_keynum prvscheck_result received_for recipient_data recipients
regex_match_string regex1 regex2 regex3 regex4 regex5 regex6 regex7 regex8 regex9
return_path sender_address sender_address_data
sender_address_domain sender_address_local_part sender_data sender_fullhost
sender_helo_name sender_host_address sender_host_authenticated sender_host_name
sender_host_port sender_ident sender_rcvhost sender_verify_failure
recipient_verify_failure smtp_command smtp_command_argument smtp_command_history
smtp_notquit_reason spam_action spam_bar spam_report spam_score spam_score_int
spf_header_comment spf_received spf_result spf_smtp_comment srs_recipient
thisaddress tls_in_peerdn tls_in_sni tls_peerdn tls_sni tls_out_peerdn
proxy_external_address proxy_local_address proxy_host_address
proxy_target_address auth1 auth2 auth3 auth4 received_protocol
interface_address received_ip_address
""".split())

# Exim's value when nothing has set the variable ("" for the rest).
_ZERO = """
acl_narg authentication_failed av_failed body_linecount body_zerocount dkim_created
dkim_key_length dkim_key_nosubdomains dkim_key_testing event_defer_errno
host_lookup_deferred host_lookup_failed host_port inode
max_received_linelength message_age message_body_size message_linecount
message_size mime_anomaly_level mime_content_size mime_is_coverletter
mime_is_multipart mime_is_rfc822 proxy_external_port proxy_local_port
proxy_host_port proxy_target_port rcpt_count rcpt_defer_count rcpt_fail_count
received_count received_time recipients_count runrc sender_host_port
smtp_count_at_connection_start tls_bits tls_certificate_verified tls_in_bits
tls_in_certificate_verified tls_in_ocsp tls_in_resumption tls_out_bits
tls_out_certificate_verified tls_out_ocsp tls_out_resumption tls_out_tlsa_usage
""".split()
_MINUS_ONE = "interface_port received_port sending_port mime_part_count".split()
_NO = """message_smtputf8 prdr_requested proxy_session sender_helo_dnssec
sender_host_dnssec spf_result_guessed tls_out_dane""".split()
_SPECIAL = {
    "dkim_bodylength": "9999999999999",
    "dkim_expires": "9999999999999",
    "dkim_key_granularity": "*",
    "dkim_key_srvtype": "*",
    "local_user_gid": UNSET_ID,
    "local_user_uid": UNSET_ID,
}
_EMPTY = """
acl_arg1 acl_arg2 acl_arg3 acl_arg4 acl_arg5 acl_arg6 acl_arg7 acl_arg8 acl_arg9
acl_verify_message address_data address_file address_pipe auth1 auth2 auth3 auth4
authenticated_fail_id authenticated_id authenticated_sender bounce_recipient
callout_address csa_status dkim_algo dkim_canon_body dkim_canon_headers
dkim_copiedheaders dkim_cur_signer dkim_domain dkim_headernames dkim_identity
dkim_key_notes dkim_selector dkim_signers dkim_verify_reason dkim_verify_status
dmarc_ar_header dmarc_domain_policy dmarc_status dmarc_status_text
dmarc_used_domain dnslist_domain dnslist_matched dnslist_text dnslist_value
domain domain_data event_data event_name headers_added home host host_address
host_data interface_address ldap_dn local_part local_part_data local_part_prefix
local_part_prefix_v local_part_suffix local_part_suffix_v local_scan_data
lookup_dnssec_authenticated mailstore_basename malware_name message_body
message_body_end message_exim_id message_id mime_anomaly_text mime_boundary
mime_charset mime_content_description mime_content_disposition mime_content_id
mime_content_transfer_encoding mime_content_type mime_decoded_filename
mime_filename original_domain original_local_part parent_domain
parent_local_part proxy_external_address proxy_local_address proxy_host_address
proxy_target_address prvscheck_address prvscheck_keynum prvscheck_result
queue_name queue_size received_for received_ip_address received_protocol
recipient_data recipient_verify_failure recipients regex1 regex2 regex3 regex4
regex5 regex6 regex7 regex8 regex9 regex_match_string reply_address return_path
router_name self_hostname sender_address sender_address_data sender_data
sender_fullhost sender_helo_name sender_host_address sender_host_authenticated
sender_host_name sender_ident sender_rate sender_rate_limit sender_rate_period
sender_rcvhost sender_verify_failure sending_ip_address smtp_command
smtp_command_argument smtp_command_history smtp_notquit_reason spam_action
spam_bar spam_report spam_score spam_score_int spf_header_comment spf_received
spf_result spf_smtp_comment srs_recipient thisaddress tls_cipher tls_in_cipher
tls_in_cipher_std tls_in_ourcert tls_in_peercert tls_in_peerdn tls_in_sni
tls_in_ver tls_out_cipher tls_out_cipher_std tls_out_ourcert tls_out_peercert
tls_out_peerdn tls_out_sni tls_out_ver tls_peerdn tls_sni transport_name
verify_mode warn_message_delay warn_message_recipient warn_message_recipients
warnmsg_delay warnmsg_recipient warnmsg_recipients
""".split()

# Old names kept working: the PROXY variables of 4.83 were renamed later.
ALIASES = {
    "proxy_host_address": "proxy_local_address",
    "proxy_host_port": "proxy_local_port",
    "proxy_target_address": "proxy_external_address",
    "proxy_target_port": "proxy_external_port",
    "warnmsg_delay": "warn_message_delay",
    "warnmsg_recipient": "warn_message_recipients",
    "warnmsg_recipients": "warn_message_recipients",
    "warn_message_recipient": "warn_message_recipients",
    "tls_bits": "tls_in_bits",
    "tls_certificate_verified": "tls_in_certificate_verified",
    "tls_cipher": "tls_in_cipher",
    "tls_peerdn": "tls_in_peerdn",
    "tls_sni": "tls_in_sni",
}


def _with_default(name: str, default: str) -> Callable[[Any], str | None]:
    target = ALIASES.get(name, name)

    def get(ctx: Any) -> str | None:
        v = ctx.variables.get(name)
        if v is None and target != name:
            v = ctx.variables.get(target)
        return default if v is None else v

    return get


def _register_plain() -> None:
    defaults = {n: "" for n in _EMPTY}
    defaults.update((n, "0") for n in _ZERO)
    defaults.update((n, "-1") for n in _MINUS_ONE)
    defaults.update((n, "no") for n in _NO)
    defaults.update(_SPECIAL)
    for name, default in defaults.items():
        tainted = name in TAINTED
        if default == "" and name not in ALIASES:
            REGISTRY.plain_variable(name, tainted=tainted)
        else:
            REGISTRY.variable(name, tainted=tainted)(_with_default(name, default))


_register_plain()


def computed(name: str, *, tainted: bool = False) -> Callable[[Callable[[Any], str | None]], Any]:
    """A computed variable that an explicit ``ctx.variables[name]`` overrides
    (so that the CLI's ``--var`` and tests can pin any value)."""

    def deco(func: Callable[[Any], str | None]) -> Any:
        def get(ctx: Any) -> str | None:
            v = ctx.variables.get(name)
            return v if v is not None else func(ctx)

        get.__doc__ = func.__doc__
        return REGISTRY.variable(name, tainted=tainted)(get)

    return deco


# --- time of day (from ctx.clock so that tests can pin it) -----------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _now(ctx: Any) -> tuple[float, time.struct_time]:
    t = ctx.clock()
    return t, time.localtime(t)


def _zone(tm: time.struct_time) -> str:
    off = (tm.tm_gmtoff or 0) // 60
    sign = "-" if off < 0 else "+"
    off = abs(off)
    return f"{sign}{off // 60:02d}{off % 60:02d}"


def tod_full(tm: time.struct_time) -> str:
    """RFC 5322 date, as in Exim's Date: headers."""
    return (
        f"{_DAYS[tm.tm_wday]}, {tm.tm_mday:02d} {_MONTHS[tm.tm_mon - 1]} {tm.tm_year} "
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} {_zone(tm)}"
    )


@computed("tod_full")
def _tod_full(ctx: Any) -> str:
    return tod_full(_now(ctx)[1])


@computed("tod_bsdinbox")
def _tod_bsdinbox(ctx: Any) -> str:
    tm = _now(ctx)[1]
    return (
        f"{_DAYS[tm.tm_wday]} {_MONTHS[tm.tm_mon - 1]} {tm.tm_mday:02d} "
        f"{tm.tm_hour:02d}:{tm.tm_min:02d}:{tm.tm_sec:02d} {tm.tm_year}"
    )


@computed("tod_epoch")
def _tod_epoch(ctx: Any) -> str:
    return str(int(ctx.clock()))


@computed("tod_epoch_l")
def _tod_epoch_l(ctx: Any) -> str:
    return str(int(ctx.clock() * 1_000_000))


@computed("tod_log")
def _tod_log(ctx: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", _now(ctx)[1])


@computed("tod_logfile")
def _tod_logfile(ctx: Any) -> str:
    return time.strftime("%Y%m%d", _now(ctx)[1])


@computed("tod_zone")
def _tod_zone(ctx: Any) -> str:
    return _zone(_now(ctx)[1])


@computed("tod_zulu")
def _tod_zulu(ctx: Any) -> str:
    return time.strftime("%Y%m%d%H%M%SZ", time.gmtime(ctx.clock()))


# --- host, process and build facts -------------------------------------------

_cache: dict[str, str] = {}


def system_hostname() -> str:
    """The node name, made fully qualified through the resolver when it has no
    dot (as Exim does for its default primary_hostname)."""
    if "host" not in _cache:
        import socket

        name = socket.gethostname()
        if "." not in name:
            try:
                info = socket.getaddrinfo(name, None, flags=socket.AI_CANONNAME)
                if info and info[0][3]:
                    name = info[0][3]
            except OSError:
                pass
        _cache["host"] = name
    return _cache["host"]


def _opt(ctx: Any, name: str) -> str | None:
    v = ctx.option(name)
    return None if v is None else str(v)


LOCALHOST_MAX = 16  # localhost_number's limit with base-62 message ids
# strtol() with base 0 as Exim reads the value: 0x.. hex, 0.. octal.
_HOST_NUMBER = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\s*")


def read_localhost_number(ctx: Any) -> int | None:
    """localhost_number expanded and read as Exim does at start-up (None:
    unset); AclError with Exim's words for a value it refuses."""
    from acl.errors import AclError
    from acl.expansion import expand

    raw = _opt(ctx, "localhost_number")
    if not raw:
        return None
    try:
        text = str(expand(raw, ctx))
    except AclError as e:
        raise AclError(f'failed to expand localhost_number "{raw}": {e.message}') from None
    m = _HOST_NUMBER.fullmatch(text)
    if m is None:
        raise AclError(f"localhost_number value is not a number: {text}")
    digits = m.group(2)
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits[:1] == "0" else 10
    n = int(digits, base) * (-1 if m.group(1) == "-" else 1)
    if n > LOCALHOST_MAX:
        raise AclError(f"localhost_number is greater than the maximum allowed value ({LOCALHOST_MAX})")
    return n


def localhost_number(ctx: Any) -> int | None:
    """The configuration's localhost_number, read once per configuration
    (None: unset, or a value a daemon would have refused at start-up)."""
    from acl.errors import AclError

    config = ctx.config
    if config is None:
        return None
    memo = config.derived
    if "localhost_number" not in memo:
        try:
            memo["localhost_number"] = read_localhost_number(ctx)
        except AclError:
            memo["localhost_number"] = None
    return memo["localhost_number"]


@computed("localhost_number")
def _localhost_number(ctx: Any) -> str:
    return str(localhost_number(ctx) or 0)


@computed("primary_hostname")
def _primary_hostname(ctx: Any) -> str:
    return _opt(ctx, "primary_hostname") or system_hostname()


@computed("qualify_domain")
def _qualify_domain(ctx: Any) -> str:
    return _opt(ctx, "qualify_domain") or _primary_hostname(ctx)


@computed("qualify_recipient")
def _qualify_recipient(ctx: Any) -> str:
    return _opt(ctx, "qualify_recipient") or _qualify_domain(ctx)


@computed("smtp_active_hostname")
def _smtp_active_hostname(ctx: Any) -> str:
    """Exim expands the smtp_active_hostname option only when an SMTP
    connection starts (the dialogue stores the result in ctx.variables); until
    then the variable is the primary host name."""
    return _primary_hostname(ctx)


@computed("spool_directory")
def _spool_directory(ctx: Any) -> str:
    return _opt(ctx, "spool_directory") or DEFAULT_SPOOL


def _size_option(ctx: Any, name: str, default: int) -> str:
    v = _opt(ctx, name)
    if v is None:
        return str(default)
    v = v.strip()
    mult = {"k": 1024, "m": 1024 * 1024, "g": 1024**3}.get(v[-1:].lower(), 1)
    try:
        return str(int(v[:-1] if mult > 1 else v) * mult)
    except ValueError:
        return v


@computed("return_size_limit")
def _return_size_limit(ctx: Any) -> str:
    return _size_option(ctx, "return_size_limit", 100 * 1024)


@computed("bounce_return_size_limit")
def _bounce_return_size_limit(ctx: Any) -> str:
    return _size_option(ctx, "bounce_return_size_limit", 100 * 1024)


@computed("version_number")
def _version_number(ctx: Any) -> str:
    return EXIM_VERSION


@computed("exim_version")
def _exim_version(ctx: Any) -> str:
    return EXIM_VERSION


@computed("compile_number")
def _compile_number(ctx: Any) -> str:
    return COMPILE_NUMBER


@computed("compile_date")
def _compile_date(ctx: Any) -> str:
    return COMPILE_DATE


@computed("exim_path")
def _exim_path(ctx: Any) -> str:
    return _opt(ctx, "exim_path") or DEFAULT_EXIM_PATH


def _config_path(ctx: Any) -> str:
    if ctx.extra.get("config_file"):
        return str(ctx.extra["config_file"])
    cfg = ctx.config
    path = getattr(cfg, "path", None) or getattr(cfg, "file", None)
    return str(path) if path else ""


@computed("config_file")
def _config_file(ctx: Any) -> str:
    return _config_path(ctx)


def config_dir_of(path: str) -> str:
    """Exim's $config_dir: the directory part, made absolute from the working
    directory for a relative name (without normalising it)."""
    slash = path.rfind("/")
    if path.startswith("/"):
        return path[:slash] if slash > 0 else "/"
    cwd = initial_cwd()
    return (cwd if cwd.endswith("/") else cwd + "/") + (path[:slash] if slash >= 0 else "")


@computed("config_dir")
def _config_dir(ctx: Any) -> str:
    path = _config_path(ctx)
    return config_dir_of(path) if path else ""


@computed("pid")
def _pid(ctx: Any) -> str:
    return str(os.getpid())


def initial_cwd() -> str:
    if "cwd" not in _cache:
        try:
            _cache["cwd"] = os.getcwd()
        except OSError:
            _cache["cwd"] = ""
    return _cache["cwd"]


@computed("initial_cwd")
def _initial_cwd(ctx: Any) -> str:
    return initial_cwd()


@computed("caller_uid")
def _caller_uid(ctx: Any) -> str:
    return str(os.getuid())


@computed("caller_gid")
def _caller_gid(ctx: Any) -> str:
    return str(os.getgid())


@computed("originator_uid")
def _originator_uid(ctx: Any) -> str:
    return str(os.getuid())


@computed("originator_gid")
def _originator_gid(ctx: Any) -> str:
    return str(os.getgid())


def _exim_user() -> tuple[str, str]:
    import pwd

    for name in ("Debian-exim", "exim", "mail"):
        try:
            pw = pwd.getpwnam(name)
            return str(pw.pw_uid), str(pw.pw_gid)
        except KeyError:
            continue
    return str(os.getuid()), str(os.getgid())


@computed("exim_uid")
def _exim_uid(ctx: Any) -> str:
    return _exim_user()[0]


@computed("exim_gid")
def _exim_gid(ctx: Any) -> str:
    return _exim_user()[1]


@computed("load_average")
def _load_average(ctx: Any) -> str:
    try:
        return str(int(os.getloadavg()[0] * 1000))
    except OSError:
        return "-1"


def _fs(path: str, inodes: bool) -> str:
    try:
        st = os.statvfs(path)
    except OSError:
        return "-1"
    return str(st.f_favail if inodes else st.f_bavail * st.f_frsize // 1024)


@computed("spool_space")
def _spool_space(ctx: Any) -> str:
    return _fs(_spool_directory(ctx), False)


@computed("spool_inodes")
def _spool_inodes(ctx: Any) -> str:
    return _fs(_spool_directory(ctx), True)


def _log_dir(ctx: Any) -> str:
    path = _opt(ctx, "log_file_path") or ""
    return path.rsplit("/", 1)[0] if path.startswith("/") else DEFAULT_LOG_DIR


@computed("log_space")
def _log_space(ctx: Any) -> str:
    return _fs(_log_dir(ctx), False)


@computed("log_inodes")
def _log_inodes(ctx: Any) -> str:
    return _fs(_log_dir(ctx), True)


# --- values derived from other variables or from the message ------------------


@computed("sender_address_local_part", tainted=True)
def _sender_local_part(ctx: Any) -> str:
    s = ctx.variables.get("sender_address") or ""
    at = s.rfind("@")
    return type(s)(s[:at]) if at >= 0 else s


@computed("sender_address_domain", tainted=True)
def _sender_domain(ctx: Any) -> str:
    s = ctx.variables.get("sender_address") or ""
    at = s.rfind("@")
    return type(s)(s[at + 1 :]) if at >= 0 else ""


@computed("message_headers", tainted=True)
def _message_headers(ctx: Any) -> str | None:
    """Each header line with trailing white space removed and RFC 2047 words
    decoded (without charset translation), joined by newlines."""
    if not ctx.headers:
        return None
    from acl.expansion.runtime import _decode_2047

    lines = (f"{n}:{v}".rstrip(" \t\r\n\f\v") for n, v in ctx.headers)
    return TaintedStr(_decode_2047("\n".join(lines), False))


@computed("message_headers_raw", tainted=True)
def _message_headers_raw(ctx: Any) -> str | None:
    """The header lines as received, each ending with a newline."""
    if not ctx.headers:
        return None
    return TaintedStr("".join(f"{n}:{v}\n" for n, v in ctx.headers))


def _header_raw(ctx: Any, name: str) -> str:
    return "\n".join(v for n, v in ctx.headers if n.strip().lower() == name)


@computed("reply_address", tainted=True)
def _reply_address(ctx: Any) -> str:
    """Reply-To:, else From:, undecoded and trimmed."""
    s = _header_raw(ctx, "reply-to").strip(" \t\r\n\f\v")
    if not s:
        s = _header_raw(ctx, "from").strip(" \t\r\n\f\v")
    return TaintedStr(s)
