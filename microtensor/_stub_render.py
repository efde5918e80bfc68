"""Rendering for ``python -m microtensor._stubs``: a runtime function's signature as stub text.

``render`` turns an op's function (its string hints, defaults and ``@overload`` declarations) into
``def name(...) -> ...: ...`` lines; ``StubImports`` resolves every hint name to the module that defines
it and collects the import lines the stub needs. ``StubError`` reports what cannot be described.
"""
from __future__ import annotations

import ast
import builtins
import inspect
import pathlib
import sys
import types
import typing
from typing import Any, Callable, Dict, List, Set

import microtensor
from microtensor import _typing


_SIMPLE_DEFAULTS = (type(None), bool, int, float, str)


_FALLBACK_NAMESPACE = {
    "__name__": "microtensor._registry", "Optional": typing.Optional, "Sequence": typing.Sequence,
    "Tensor": microtensor.Tensor,
}


class StubError(RuntimeError):
    """The registry or the Tensor class has something the stubs cannot describe."""


class StubImports:
    """The import lines a stub needs, found from the names its hints use."""

    def __init__(self, local: Set[str], taken: Set[str]):
        self.local = local      # names the stub defines itself (Tensor)
        self.taken = taken      # names the stub's scope uses for something else (methods named float, device)
        self.plain: Set[str] = set()  # import lines
        self.froms: Dict[str, Set[str]] = {}  # module -> names (``name`` or ``name as alias``)

    def add(self, module: str, name: str) -> None:
        self.froms.setdefault(module, set()).add(name)

    def block(self) -> str:
        """The import lines: ``import ...`` first, then one ``from ... import ...`` per module."""
        lines = sorted(self.plain)
        for module in sorted(self.froms):
            lines.append(f"from {module} import {', '.join(sorted(self.froms[module]))}")
        return "\n".join(lines)

    def resolve(self, name: str, namespace: Dict[str, Any]) -> str:
        """The spelling of ``name`` (a hint's name in ``namespace``) inside the stub, importing it."""
        if name in self.local:
            return name
        if hasattr(builtins, name) and name not in namespace:
            if name in self.taken:
                self.plain.add("import builtins")
                return f"builtins.{name}"
            return name
        if name not in namespace:  # the registry's own hints (out: Optional[Tensor]) in a module without them
            namespace = _FALLBACK_NAMESPACE
        if name not in namespace:
            raise StubError(f"the hint name {name!r} is not defined in {namespace.get('__name__')}")
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            if value is not sys.modules.get("numpy"):
                raise StubError(f"hint {name!r} in {namespace.get('__name__')}: import the class, not its module")
            self.plain.add(f"import numpy as {name}")
            return name
        origin = self._origin(name, value)
        spelling = f"_{name}" if name in self.taken else name
        self.add(origin, name + (f" as {spelling}" if spelling != name else ""))
        return spelling

    @staticmethod
    def _origin(name: str, value: Any) -> str:
        if getattr(_typing, name, None) is value and name in _typing.__all__:
            return "microtensor._typing"
        if getattr(typing, name, None) is value:
            return "typing"
        module = getattr(value, "__module__", None)
        if not module or getattr(sys.modules.get(module), name, None) is not value:
            raise StubError(f"cannot tell where the hint name {name!r} comes from")
        return module


def _hint(annotation: Any, namespace: Dict[str, Any], imports: StubImports) -> str:
    if not isinstance(annotation, str):
        raise StubError(f"hints must be strings (from __future__ import annotations), got {annotation!r}")
    tree = ast.parse(annotation, mode="eval")

    class Rename(ast.NodeTransformer):
        def visit_Name(self, node: ast.Name) -> ast.AST:
            return ast.copy_location(ast.parse(imports.resolve(node.id, namespace), mode="eval").body, node)

    return ast.unparse(Rename().visit(tree))


def _default(value: Any) -> str:
    if isinstance(value, _SIMPLE_DEFAULTS) or (
        isinstance(value, tuple) and all(isinstance(item, _SIMPLE_DEFAULTS) for item in value)
    ):
        return repr(value)
    return "..."


def _namespace(function: Callable[..., Any]) -> Dict[str, Any]:
    return getattr(inspect.unwrap(function), "__globals__", {})


_PARSED: Dict[str, ast.Module] = {}


def _overloads(function: Callable[..., Any]) -> List[ast.FunctionDef]:
    """The ``@overload`` declarations written above ``function`` in its module (read from the source,
    as ``typing.get_overloads`` needs Python 3.11)."""
    plain = inspect.unwrap(function)
    path = inspect.getsourcefile(plain)
    if path is None:
        return []
    if path not in _PARSED:
        _PARSED[path] = ast.parse(pathlib.Path(path).read_text())
    return [
        node for node in _PARSED[path].body
        if isinstance(node, ast.FunctionDef) and node.name == plain.__name__
        and any(isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list)
    ]


class _Unrendered:
    """A default the stub writes as ``...`` (not a literal)."""


def _overload_signature(node: ast.FunctionDef, function: Callable[..., Any]) -> inspect.Signature:
    """An ``@overload`` declaration as a signature with string hints, plus ``out`` where the op has it."""
    def hint(annotation: Any) -> Any:
        return inspect.Parameter.empty if annotation is None else ast.unparse(annotation)

    def default(value: Any) -> Any:
        if value is None:
            return inspect.Parameter.empty
        try:
            return ast.literal_eval(value)
        except ValueError:
            return _Unrendered()

    arguments = node.args
    positional = arguments.posonlyargs + arguments.args
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    kind = inspect.Parameter
    parameters = [
        kind(a.arg, kind.POSITIONAL_ONLY if a in arguments.posonlyargs else kind.POSITIONAL_OR_KEYWORD,
             default=default(d), annotation=hint(a.annotation))
        for a, d in zip(positional, defaults)
    ]
    if arguments.vararg:
        parameters.append(kind(arguments.vararg.arg, kind.VAR_POSITIONAL, annotation=hint(arguments.vararg.annotation)))
    for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults):
        parameters.append(kind(a.arg, kind.KEYWORD_ONLY, default=default(d), annotation=hint(a.annotation)))
    runtime = inspect.signature(function).parameters
    if "out" in runtime and all(p.name != "out" for p in parameters):
        parameters.append(runtime["out"])
    if arguments.kwarg:
        parameters.append(kind(arguments.kwarg.arg, kind.VAR_KEYWORD, annotation=hint(arguments.kwarg.annotation)))
    return inspect.Signature(parameters, return_annotation=hint(node.returns))


def render(name: str, function: Callable[..., Any], imports: StubImports, as_method: bool = False,
           indent: str = "") -> str:
    """The stub of ``function`` as ``name``: its ``@overload`` declarations if it has any, else one def."""
    overloads = _overloads(function)
    if not overloads:
        return render_def(name, function, inspect.signature(function), imports, as_method, indent)
    imports.add("typing", "overload")
    return "\n".join(
        f"{indent}@overload\n" + render_def(name, function, _overload_signature(node, function), imports, as_method, indent)
        for node in overloads
    )


def render_def(name: str, function: Callable[..., Any], signature: inspect.Signature, imports: StubImports,
               as_method: bool = False, indent: str = "") -> str:
    """``def name(...) -> R: ...`` from ``signature`` and its hints (the first operand becomes ``self``
    for a method)."""
    namespace = _namespace(function)
    parameters = list(signature.parameters.values())
    if as_method:
        parameters = parameters[1:]
    if name.startswith("__") and name.endswith("__"):
        # an operator passes its operands only: `t + u` is `t.__add__(u)`, never with add's `alpha`
        parameters = [p for p in parameters if p.default is inspect.Parameter.empty]
    if signature.return_annotation is inspect.Signature.empty:
        raise StubError(f"{function.__module__}.{function.__name__}: no return hint")
    returns = _hint(signature.return_annotation, namespace, imports)
    text: List[str] = ["self"] if as_method else []
    star_written = False
    for parameter in parameters:
        if parameter.annotation is inspect.Parameter.empty:
            raise StubError(f"{function.__module__}.{function.__name__}: parameter {parameter.name!r} has no hint")
        annotation = parameter.annotation
        if parameter.name == "out" and returns != "Tensor":  # several results go into a tuple of tensors
            annotation = "Optional[Sequence[Tensor]]"
        hint = _hint(annotation, namespace, imports)
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            text.append(f"*{parameter.name}: {hint}")
            star_written = True
            continue
        if parameter.kind is inspect.Parameter.VAR_KEYWORD:
            text.append(f"**{parameter.name}: {hint}")
            continue
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and not star_written:
            text.append("*")
            star_written = True
        entry = f"{parameter.name}: {hint}"
        if parameter.default is not inspect.Parameter.empty:
            entry += f" = {_default(parameter.default)}"
        text.append(entry)
    return _wrapped(f"{indent}def {name}(", text, f") -> {returns}: ...", indent)


def _wrapped(opening: str, parameters: List[str], closing: str, indent: str, width: int = 120) -> str:
    """``opening + parameters + closing`` on one line, or with the parameters packed on indented lines."""
    line = opening + ", ".join(parameters) + closing
    if len(line) <= width:
        return line
    lines, current = [], ""
    for parameter in parameters:
        candidate = f"{current} {parameter}," if current else f"{indent}    {parameter},"
        if current and len(candidate) > width:
            lines.append(current)
            candidate = f"{indent}    {parameter},"
        current = candidate
    lines.append(current)
    return "\n".join([opening] + lines + [indent + closing])
