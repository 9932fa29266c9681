"""exim-acl: Exim's ACL and string-expansion language as a standalone policy interpreter."""

from acl.errors import AclError, ConfigError, ExpansionError, ForcedFail

__all__ = ["AclError", "ConfigError", "ExpansionError", "ForcedFail", "__version__"]
__version__ = "0.1.0"
