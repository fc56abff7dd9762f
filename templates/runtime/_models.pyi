# What the runtime modules use of a generated package's _models.py, for type-checking this
# folder on its own. In a generated package, _ErrorBody is the spec's error model (the type
# of ApiStatusError.error), or Any when operations declare no single one.
from typing import Any, TypeAlias

_ErrorBody: TypeAlias = Any
