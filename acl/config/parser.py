"""Logical lines -> Config. Each logical line is parsed by the LALR grammar
(grammar/config.lark) with the start rule of the current section; the checks that
need the option table follow readconf.c and use Exim's wording."""

from __future__ import annotations

import sys

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import NoReturn

from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedInput

from acl.config import options as opt
from acl.config.model import (AclDef, Condition, Config, Instance, NamedList,
                              OptionSetting, RuleLine, Statement)
from acl.config.preprocess import SECTION_NAMES, LogicalLine, Preprocessor
from acl.errors import ConfigError
from acl.resources import grammar_text, lark_cache_path
from acl.source import Span

START = {"main": "main_line", "acls": "acl_line", "routers": "driver_line",
         "transports": "driver_line", "authenticators": "driver_line",
         "retrys": "retry_line", "rewrites": "rewrite_line", "local_scans": "rewrite_line"}

# ACL conditions and modifiers Exim 4.96 knows (acl.c), with whether each is a modifier.
ACL_CONDITIONS: dict[str, bool] = {
    "acl": False, "add_header": True, "authenticated": False, "condition": False,
    "continue": True, "control": True, "decode": False, "delay": True,
    "dkim_signers": False, "dkim_status": False, "dmarc_status": False,
    "dnslists": False, "domains": False, "encrypted": False, "endpass": True,
    "hosts": False, "local_parts": False, "log_message": True,
    "log_reject_target": True, "logwrite": True, "malware": False, "message": True,
    "mime_regex": False, "queue": True, "ratelimit": False, "recipients": False,
    "regex": False, "remove_header": True, "seen": False, "sender_domains": False,
    "senders": False, "set": True, "spam": False, "spf": False, "spf_guess": False,
    "udpsend": True, "verify": False,
}

LIST_KINDS = {"domainlist": "domain", "hostlist": "host", "addresslist": "address",
              "localpartlist": "localpart"}
LIST_LABEL = {"domain": "domain list", "host": "host list", "address": "address list",
              "localpart": "local part list"}
MAX_NAMED_LIST = 16
CLASS = {"routers": "router", "transports": "transport", "authenticators": "authenticator"}


@lru_cache(maxsize=1)
def _lark() -> Lark:
    return Lark(grammar_text("config.lark"), parser="lalr", lexer="contextual",
                start=sorted(set(START.values()) | {"begin_line"}), propagate_positions=True,
                cache=lark_cache_path(f"config-py{sys.version_info[0]}{sys.version_info[1]}.lark"))


class _Reader:
    def __init__(self, pp: Preprocessor, lines: Iterator[LogicalLine]) -> None:
        self.pp = pp
        self.lines = lines
        self.cfg = Config()
        self.section = "main"
        self.line: LogicalLine | None = None
        self.seen_sections: set[str] = set()
        self.acl: AclDef | None = None
        self.statement: Statement | None = None
        self.instance: Instance | None = None
        self.set_options: set[str] = set()

    # -- helpers -------------------------------------------------------------

    def fail(self, message: str, offset: int = 0, hint: str | None = None) -> NoReturn:
        assert self.line is not None
        raise ConfigError(message, self.line.span(offset), hint=hint)

    def parse(self, start: str) -> Tree:
        assert self.line is not None
        try:
            return _lark().parse(self.line.text, start=start)
        except UnexpectedInput as e:
            self._syntax_error(start, e)

    def _syntax_error(self, start: str, e: UnexpectedInput) -> NoReturn:
        """One place that turns a Lark error into Exim's wording for the section."""
        assert self.line is not None
        text = self.line.text
        where = getattr(e, "pos_in_stream", 0) or 0
        if start == "main_line":
            self.fail(f"option setting expected: {text}", where)
        if start == "acl_line":
            if self.statement is None:
                word = opt.read_word(text.lstrip("!"))[0]
                self.fail(f'error in ACL: unknown ACL verb "{word}" in "{text}"', where)
            self.fail(f'error in ACL: unknown ACL condition/modifier in "{text}"', where)
        if start == "driver_line":
            self.fail(f"{CLASS.get(self.section, self.section[:-1])} name missing", where)
        self.fail(f"malformed line in {self.section[:-1]} section: {text}", where)

    def tok_span(self, tok: Token | None) -> Span | None:
        if tok is None or self.line is None:
            return None
        return self.line.span((tok.column or 1) - 1)

    @staticmethod
    def tokens(tree: Tree) -> dict[str, Token]:
        return {t.type: t for t in tree.children if isinstance(t, Token)}

    # -- driver --------------------------------------------------------------

    def run(self) -> Config:
        for line in self.lines:
            self.line = line
            if line.kind == "begin":
                self.begin()
            elif line.kind == "macro":
                self.end_block()
                self.pp.define(line, line.text)
            else:
                getattr(self, "on_" + self.section.rstrip("s"), self.on_rules)(
                    self.parse(START.get(self.section, "rewrite_line")))
        self.end_block()
        self.cfg.macros = self.pp.user_macros()
        self.cfg.files = list(dict.fromkeys(self.pp.files))
        return self.cfg

    def begin(self) -> None:
        assert self.line is not None
        self.end_block()
        tree = self.parse("begin_line")
        name_tok = self.tokens(tree).get("SECTION_NAME")
        raw = str(name_tok) if name_tok else ""
        name = raw.lower() if raw.lower().endswith("s") else raw.lower() + "s"
        if name not in SECTION_NAMES:
            self.fail(f'"{raw}" is not a known configuration section name', 6)
        if name in self.seen_sections:
            self.fail(f'"{raw}" section is repeated in the configuration file', 6)
        self.seen_sections.add(name)
        self.section = name
        if name in CLASS:
            self.cfg.sections[name] = []
        elif name != "acls":
            self.cfg.sections[name.rstrip("s")] = []

    def end_block(self) -> None:
        """A macro definition or a new section ends the current ACL or instance."""
        if self.instance is not None and self.instance.driver is None:
            self.fail(f'no driver defined for {CLASS[self.section]} "{self.instance.name}"')
        self.acl = self.statement = self.instance = None

    # -- main section ----------------------------------------------------------

    def on_main(self, tree: Tree) -> None:
        toks = self.tokens(tree)
        if tree.data == "named_list":
            self.named_list(toks)
            return
        name = str(toks["WORD"])
        for prefix in LIST_KINDS:
            if name.startswith(prefix):
                self.fail("unrecognized configuration line")
        typ_name, negated = self._strip_negation(name)
        alias_of = opt.MAIN_ALIASES.get(typ_name)
        if alias_of:
            typ_name = alias_of
        typ = opt.main_type(typ_name)
        if typ is None:
            self.fail(f'main option "{name}" unknown', (toks["WORD"].column or 1) - 1,
                      hint=opt.suggest(typ_name, opt.main_candidates()))
        setting = self.option_setting(name, typ_name, typ, negated, toks, self.set_options)
        setting.effective = typ_name in opt.EFFECTIVE_MAIN
        if alias_of:
            setting.written = name
        self.cfg.settings[typ_name] = setting
        self.cfg.options[typ_name] = setting.value

    @staticmethod
    def _strip_negation(name: str) -> tuple[str, bool]:
        if name.startswith("not_"):
            return name[4:], True
        if name.startswith("no_"):
            return name[3:], True
        return name, False

    def option_setting(self, name: str, typ_name: str, typ: str, negated: bool,
                       toks: dict[str, Token], seen: set[str]) -> OptionSetting:
        word = toks["WORD"]
        if typ_name in seen:
            self.fail(f'"{name}" option set for the second time', (word.column or 1) - 1)
        seen.add(typ_name)
        tail = toks.get("ANY_TAIL") or toks.get("TAIL")
        rest = str(tail) if tail is not None else ""
        base = (tail.column or 1) - 1 if tail is not None else len(self.line.text if self.line else "")

        def fail(message: str, off: int) -> NoReturn:
            self.fail(message, base + off)

        value, raw = opt.typed_value(name, typ, negated, rest, fail)
        value_off = base + (len(rest) - len(raw))
        return OptionSetting(typ_name, value, raw, self.tok_span(word) or Span("", 0, 0),
                             self.line.span(value_off) if raw and self.line else None,
                             hidden="HIDE" in toks)

    def named_list(self, toks: dict[str, Token]) -> None:
        kind_tok = toks["LIST_KIND"]
        kw = str(kind_tok)
        cache = kw.endswith("_cache")
        kind = LIST_KINDS[kw.removesuffix("_cache")]
        name = str(toks.get("LIST_NAME", ""))
        lists = self.cfg.named_lists[kind]
        if name in lists:
            self.fail(f'duplicate name "{name}" for a named {LIST_LABEL[kind]}')
        if len(lists) >= MAX_NAMED_LIST:
            self.fail(f"too many named {LIST_LABEL[kind]}s (max is {MAX_NAMED_LIST})\n")
        tail = toks.get("ANY_TAIL")
        rest = str(tail) if tail is not None else ""
        if not rest.startswith("="):
            self.fail(f"missing '=' after \"{name}\"")
        base = (tail.column or 1) - 1 if tail is not None else 0
        body = rest[1:].lstrip()
        off = base + len(rest) - len(body)

        def fail(message: str, o: int) -> NoReturn:
            self.fail(message, off + o)

        value = opt.read_string(body, name, fail)
        assert self.line is not None
        lists[name] = NamedList(kind, name, value, cache, self.line.span(
            (kind_tok.column or 1) - 1), hidden="HIDE" in toks)

    # -- acl section -----------------------------------------------------------

    def on_acl(self, tree: Tree) -> None:
        toks = self.tokens(tree)
        if tree.data == "acl_head":
            self.statement = None
            name_tok = toks.get("WORD") or toks["VERB"]
            name = str(name_tok)
            if name in self.cfg.acls:
                self.fail(f'there are two ACLs called "{name}"')
            self.acl = AclDef(name, [], self.tok_span(name_tok) or Span("", 0, 0))
            self.cfg.acls[name] = self.acl
            return
        if self.acl is None:
            self.fail("missing or malformed ACL name")
        if tree.data == "negated_verb":
            self.fail(f'error in ACL: malformed ACL line "{self.line_text()}"')
        if tree.data == "statement":
            verb = toks["VERB"]
            self.statement = Statement(str(verb), [], self.tok_span(verb) or Span("", 0, 0))
            self.acl.statements.append(self.statement)
            cond = [c for c in tree.children if isinstance(c, Tree)]
            if cond:
                self.condition(self.tokens(cond[0]))
            return
        if self.statement is None:
            word = str(toks["WORD"])
            self.fail(f'error in ACL: unknown ACL verb "{word}" in "{self.line_text()}"')
        self.condition(toks)

    def line_text(self) -> str:
        return self.line.text if self.line else ""

    def condition(self, toks: dict[str, Token]) -> None:
        assert self.statement is not None
        name_tok = toks["WORD"]
        name = str(name_tok)
        negated = "NEG" in toks
        if name not in ACL_CONDITIONS:
            self.fail(f'error in ACL: unknown ACL condition/modifier in "{self.line_text()}"',
                      (name_tok.column or 1) - 1,
                      hint=opt.suggest(name, ACL_CONDITIONS))
        is_modifier = ACL_CONDITIONS[name]
        if negated and is_modifier:
            self.fail(f'error in ACL: ACL error: negation is not allowed with "{name}"')
        if name == "endpass" and self.statement.verb not in ("accept", "discard"):
            self.fail(f'error in ACL: ACL error: "endpass" is not allowed with '
                      f'"{self.statement.verb}"')
        tail = toks.get("ANY_TAIL") or toks.get("TAIL")
        rest = str(tail) if tail is not None else ""
        off = (tail.column or 1) - 1 if tail is not None else len(self.line_text())
        varname = None
        if name == "set":
            varname, used = self._set_variable(rest)
            rest = rest[used:]
            off += used
        cond = Condition(name, None, negated, self.tok_span(name_tok) or Span("", 0, 0),
                         varname=varname)
        if name != "endpass":
            if not rest.startswith("="):
                kind = "modifier" if is_modifier else "condition"
                self.fail(f'error in ACL: "=" missing after ACL "{name}" {kind}', off)
            value = rest[1:].lstrip()
            cond.value = value
            assert self.line is not None
            cond.value_span = self.line.span(off + len(rest) - len(value))
        self.statement.conditions.append(cond)

    def _set_variable(self, s: str) -> tuple[str, int]:
        """Check the variable after "set"; returns (name, chars used incl. blanks)."""
        full = f"set {s}"
        if s.startswith(("dkim_verify_status", "dkim_verify_reason")):
            end = len(s.split("=")[0].rstrip()) if "=" in s else len(s)
        else:
            if not s.startswith(("acl_c", "acl_m")):
                self.fail(f'error in ACL: invalid variable name after "set" in ACL modifier '
                          f'"{full}" (must start "acl_c" or "acl_m")')
            if not (s[5:6].isdigit() or s[5:6] == "_"):
                self.fail(f'error in ACL: invalid variable name after "set" in ACL modifier '
                          f'"{full}" (digit or underscore must follow acl_c or acl_m)')
            end = 5
            while end < len(s) and s[end] != "=" and not s[end].isspace():
                if not (s[end].isalnum() or s[end] == "_"):
                    self.fail(f'error in ACL: invalid character "{s[end]}" in variable name '
                              f'in ACL modifier "{full}"')
                end += 1
        used = len(s) - len(s[end:].lstrip())
        return s[:end], used

    # -- driver sections -------------------------------------------------------

    def on_router(self, tree: Tree) -> None:
        self.on_driver(tree)

    on_transport = on_authenticator = on_router

    def on_driver(self, tree: Tree) -> None:
        toks = self.tokens(tree)
        cls = CLASS[self.section]
        items: list[Instance] = self.cfg.sections[self.section]
        if tree.data == "instance_head":
            self.end_block()
            name = str(toks["WORD"])
            if "ANY_TAIL" in toks:
                self.fail(f"extra characters follow driver name {name}")
            if any(i.name == name for i in items):
                self.fail(f'there are two {cls}s called "{name}"')
            self.instance = Instance(name, [], self.tok_span(toks["WORD"]) or Span("", 0, 0))
            self.set_driver_options: set[str] = set()
            items.append(self.instance)
            return
        inst = self.instance
        if inst is None:
            self.fail(f"{cls} name missing")
        name = str(toks["WORD"])
        typ_name, negated = self._strip_negation(name)
        typ, generic = opt.driver_type(self.section, inst.driver, typ_name)
        if typ is None:
            hint = opt.suggest(typ_name, opt.driver_candidates(self.section, inst.driver))
            if inst.driver is None:
                self.fail(f'option "{name}" unknown ("driver" must be specified before any '
                          'private options)', hint=hint)
            self.fail(f'option "{name}" unknown', hint=hint)
        setting = self.option_setting(name, typ_name, typ, negated, toks, self.set_driver_options)
        setting.effective = False
        inst.options.append(setting)
        if typ_name == "driver":
            driver = str(setting.value)
            if not opt.driver_known(self.section, driver):
                self.fail(f'{cls} {inst.name}: cannot find {cls} driver "{driver}"')
            inst.driver = driver

    # -- retry, rewrite, local_scan ----------------------------------------------

    def on_retry(self, tree: Tree) -> None:
        self.on_rules(tree)

    def on_rewrite(self, tree: Tree) -> None:
        self.on_rules(tree)

    def on_local_scan(self, tree: Tree) -> None:
        self.on_rules(tree)

    def on_rules(self, tree: Tree) -> None:
        assert self.line is not None
        key = {"retrys": "retry", "rewrites": "rewrite"}.get(self.section, "local_scan")
        fields = self.line.text.split()
        self.cfg.sections[key].append(RuleLine(self.line.text, self.line.span(0), fields))


def parse_lines(pp: Preprocessor, lines: Iterator[LogicalLine]) -> Config:
    return _Reader(pp, lines).run()


def parse_text(text: str, filename: str, defines: Mapping[str, str]) -> Config:
    pp = Preprocessor(defines=dict(defines))
    return parse_lines(pp, pp.read(text, filename))
