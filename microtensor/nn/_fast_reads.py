"""Fast reads of a module's registered attributes (``module.weight``) that keep PyTorch's lookup.

``module.weight`` is not in the instance ``__dict__`` (it lives in ``module._parameters``),
so Python's normal lookup fails and only then calls ``Module.__getattr__``: the failed
lookup and the exception cost about 1.5 us, several times per layer call. After the first
such read of a name, ``__getattr__`` puts a ``_RegisteredAttribute`` under that name on
the class. It is a non-data descriptor, so Python's lookup order stays PyTorch's: a data
descriptor (property) of the class first, then the instance ``__dict__``, then this
descriptor, which reads the registries exactly as ``__getattr__`` does (the same
function) and raises AttributeError when the name is in none, so that ``__getattr__``
runs as before. It caches nothing: registries may be changed in any way
(``module._parameters['w'] = p``, ``del module.w``, ``load_state_dict``, unpickling) and
every read sees them. Only class-level introspection (``vars(Linear)``) can see it.
"""
MISSING = object()


def registered_value(state, name):
    """``name`` in the first of ``_parameters``, ``_buffers``, ``_modules`` of the instance dict
    ``state`` that holds it (PyTorch's order), or ``MISSING``."""
    entries = state.get("_parameters")
    if entries is not None and name in entries:
        return entries[name]
    entries = state.get("_buffers")
    if entries is not None and name in entries:
        return entries[name]
    entries = state.get("_modules")
    if entries is not None and name in entries:
        return entries[name]
    return MISSING


class _RegisteredAttribute:
    """The class-level fast read of a registered name (see the module docstring).

    ``module_getattr`` is ``Module.__getattr__``: an instance of a class that defines its own
    ``__getattr__`` is handed to it as before, so that it sees every lookup it saw without us.
    """

    __slots__ = ("name", "module_getattr")

    def __init__(self, name, module_getattr):
        self.name = name
        self.module_getattr = module_getattr

    def __get__(self, module, owner=None):
        if module is None:  # Linear.weight: the class itself has no such attribute
            raise AttributeError(f"type object '{owner.__name__}' has no attribute '{self.name}'")
        if type(module).__getattr__ is not self.module_getattr:
            raise AttributeError(self.name)  # Python now calls the class's own __getattr__
        value = registered_value(module.__dict__, self.name)
        if value is MISSING:
            raise AttributeError(self.name)  # Python now calls __getattr__, which raises the real error
        return value

    def __repr__(self):
        return f"<registered name {self.name!r} of nn.Module instances>"


def install_fast_read(cls, name, module_getattr):
    """Put a ``_RegisteredAttribute`` for ``name`` on ``cls`` unless the class (or a base) has
    any attribute of that name: that one must keep winning, as in Python's lookup. A class with
    its own ``__getattr__`` (not ``module_getattr``, which is ``Module.__getattr__``) gets none."""
    if type(name) is not str or not name.isidentifier() or name.startswith("__"):
        return  # dunder names are looked up by Python's protocols on the class: never shadow them
    if cls.__getattr__ is not module_getattr:
        return
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return
    try:
        setattr(cls, name, _RegisteredAttribute(name, module_getattr))
    except (TypeError, AttributeError):  # a class that refuses new attributes just stays on the slow path
        pass


def is_fast_read(cls, name):
    """Whether ``name`` resolves on ``cls`` to a ``_RegisteredAttribute``."""
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return isinstance(klass.__dict__[name], _RegisteredAttribute)
    return False
