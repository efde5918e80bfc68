"""``mt.onnx.export``: a model's forward as an ONNX file that onnxruntime (or any ONNX tool) runs.

::

    model.eval()
    mt.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["logits"],
                   dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})

How it works: the model runs eagerly while the recorder of ``mt.compile`` notes every op
(``_tracing.py``); each op becomes a few ONNX nodes (``_converters*.py``, one function per
op class) in a graph whose initializers are the parameters and buffers under their
``state_dict`` names (``_graph.py``, ``_export.py``). Like PyTorch's exporter it writes the
path the model took in its current mode, so call ``model.eval()`` first (BatchNorm and
dropout then have their inference forms). See docs/onnx.md for the ops covered.

``onnx`` and ``onnxruntime`` are an optional extra (``pip install 'microtensor[onnx]'``);
they are imported on the first call, never by ``import microtensor``.
"""
import inspect
import io
import os
import warnings

from .._tensor import Tensor

__all__ = ["export", "DEFAULT_OPSET", "MIN_OPSET"]

#: the opset written when ``opset_version`` is not given
DEFAULT_OPSET = 18
#: the oldest opset the exporter writes (``LayerNormalization`` appeared in 17)
MIN_OPSET = 17


def export(model, args, f, input_names=None, output_names=None, dynamic_axes=None, opset_version=None):
    """Trace ``model(*args)`` and write it to ``f`` (a path or a binary file object) as an ONNX model.

    - ``args``: a tensor or a tuple of arguments; tensors become the graph's inputs, other
      values are fixed into the graph.
    - ``input_names`` / ``output_names``: the graph's names for them; by default the
      parameter names of ``forward`` (``input`` for ``nn.Sequential``) and ``output_0``,
      ``output_1``, ... (outputs in the order of a flattened tuple).
    - ``dynamic_axes``: as in PyTorch, ``{"x": {0: "batch"}}`` (or ``{"x": [0]}``) makes those
      dims symbolic, for inputs and outputs.
    - ``opset_version``: the ONNX opset, from 17 on (default 18).

    Returns None, as ``torch.onnx.export`` does. Raises RuntimeError naming the op when a
    step of forward has no ONNX form.
    """
    onnx = _import_onnx()
    opset = _check_opset(opset_version, onnx)
    from . import _converters_nn, _converters_shape  # noqa: F401  (they add their converters to the table)
    from ._converters import TABLE
    from ._export import Exporter
    from ._tracing import check_same_path, external_names, flat_tensors, probe_arguments, run

    args = args if isinstance(args, tuple) else (args,)
    tensors = flat_tensors(args)
    input_names = _input_names(model, args, len(tensors), input_names)
    dynamic_axes = _check_dynamic_axes(dynamic_axes)
    dynamic_inputs = {position: dynamic_axes.get(name, {}) for position, name in enumerate(input_names)}

    main, _ = run(model, args)
    probe, _ = run(model, probe_arguments(args, dynamic_inputs))
    model_name = type(model).__name__
    check_same_path(main, probe, model_name)
    results, probe_results = _flat_result(main.result, model_name), _flat_result(probe.result, model_name)
    output_names = _output_names(len(results), output_names)
    _check_axes_names(dynamic_axes, input_names + output_names)
    exporter = Exporter(onnx, opset, main, probe, external_names(model, main, probe), input_names, output_names)
    exporter.convert_all(TABLE)
    if main.writes:
        raise RuntimeError(f"mt.onnx.export: {model_name}.forward writes into tensors in place (x[i] = v, add_, "
                           f"running statistics in training mode); an ONNX graph has no in-place writes. Call "
                           f"model.eval() and use out-of-place ops (x = x + v, mt.where) in forward.")

    graph = exporter.graph
    output_infos = []
    for position, (number, name) in enumerate(zip(results, output_names)):
        graph.node("Identity", [exporter.name_of(number, len(main.events) - 1)], outputs=[name])
        output_infos.append(_value_info(onnx, name, main.arrays[number], probe.arrays[probe_results[position]],
                                        dynamic_axes.get(name)))
    input_infos = [_value_info(onnx, name, tensor._data, None, dynamic_inputs[position])
                   for position, (name, tensor) in enumerate(zip(input_names, tensors))]
    proto = graph.model(input_infos, output_infos, model_name, f"{model_name} exported by microtensor")
    onnx.checker.check_model(proto)
    _write(proto.SerializeToString(), f)


# ------------------------------------------------------------------ helpers
def _import_onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("mt.onnx.export needs the onnx package: pip install 'microtensor[onnx]' "
                          "(or pip install onnx onnxruntime)") from None
    return onnx


def _check_opset(opset_version, onnx):
    if opset_version is None:
        return DEFAULT_OPSET
    newest = onnx.defs.onnx_opset_version()
    if not isinstance(opset_version, int) or not MIN_OPSET <= opset_version <= newest:
        raise ValueError(f"mt.onnx.export: opset_version must be an int from {MIN_OPSET} to {newest} (the newest "
                         f"this onnx package knows), got {opset_version!r}")
    return opset_version


def _input_names(model, args, count, names):
    """The given names, then defaults: ``forward``'s parameter names (``hx_0``, ``hx_1`` inside a tuple)."""
    defaults = _default_input_names(model, args)
    if names is None:
        return defaults
    names = list(names)
    if len(names) > count or not all(isinstance(name, str) for name in names):
        raise ValueError(f"mt.onnx.export: input_names must be at most {count} strings (one per tensor "
                         f"argument), got {names!r}")
    return names + defaults[len(names):]


def _default_input_names(model, args):
    from ._tracing import flat_tensors
    try:
        parameters = [p.name for p in inspect.signature(model.forward if hasattr(model, "forward") else model)
                      .parameters.values() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    names = []
    for position, arg in enumerate(args):
        base = parameters[position] if position < len(parameters) else f"input_{position}"
        if isinstance(arg, Tensor):
            names.append(base)
        elif isinstance(arg, (tuple, list)):
            names += [f"{base}_{index}" for index in range(len(flat_tensors(arg)))]
    return names


def _output_names(count, names):
    if names is None:
        return [f"output_{position}" for position in range(count)]
    names = list(names)
    if len(names) > count or not all(isinstance(name, str) for name in names):
        raise ValueError(f"mt.onnx.export: output_names must be at most {count} strings (the model returns "
                         f"{count} tensors), got {names!r}")
    return names + [f"output_{position}" for position in range(len(names), count)]


def _check_dynamic_axes(dynamic_axes):
    """``{name: {dim: symbol}}``, from PyTorch's two spellings (a dict of dims, or a list of them)."""
    checked = {}
    for name, axes in (dynamic_axes or {}).items():
        if isinstance(axes, (list, tuple)):
            axes = {int(dim): f"{name}_dynamic_axes_{index + 1}" for index, dim in enumerate(axes)}
        if not isinstance(axes, dict):
            raise TypeError(f"mt.onnx.export: dynamic_axes[{name!r}] must be a dict {{dim: name}} or a list of "
                            f"dims, got {type(axes).__name__}")
        checked[name] = {int(dim): str(symbol) for dim, symbol in axes.items()}
    return checked


def _check_axes_names(dynamic_axes, names):
    unknown = sorted(set(dynamic_axes) - set(names))
    if unknown:
        warnings.warn(f"mt.onnx.export: dynamic_axes names {unknown} are not inputs or outputs of the graph "
                      f"(those are {names}); they are ignored", UserWarning, stacklevel=3)


def _flat_result(spec, model_name):
    kind = spec[0]
    if kind == "value":
        return [spec[1]]
    if kind in ("tuple", "list"):
        return [number for item in spec[1] for number in _flat_result(item, model_name)]
    raise TypeError(f"mt.onnx.export: {model_name}.forward returned {spec[1]!r}; an exported forward returns "
                    f"tensors (or tuples and lists of them)")


def _value_info(onnx, name, array, probe_array, symbols):
    """The name, element type and shape of a graph input or output; dynamic dims get their symbols.

    An output dim not named in ``dynamic_axes`` that changed in the probe run is symbolic too.
    """
    symbols = dict(symbols or {})
    for dim, symbol in list(symbols.items()):
        if dim < 0:
            symbols[dim + array.ndim] = symbol
    shape = []
    for dim, size in enumerate(array.shape):
        if dim in symbols:
            shape.append(symbols[dim])
        elif probe_array is not None and probe_array.shape[dim] != size:
            shape.append(f"{name}_dim_{dim}")
        else:
            shape.append(int(size))
    element = onnx.helper.np_dtype_to_tensor_dtype(array.dtype)
    return onnx.helper.make_tensor_value_info(name, element, shape)


def _write(data, f):
    if isinstance(f, (str, os.PathLike)):
        from .._atomic_write import write_atomically
        write_atomically(os.fspath(f), lambda handle: handle.write(data))
    elif isinstance(f, io.TextIOBase):
        raise TypeError("mt.onnx.export: f is a text file; open it in binary mode ('wb')")
    elif hasattr(f, "write"):
        f.write(data)
    else:
        raise TypeError(f"mt.onnx.export: f must be a path or a binary file object, not {type(f).__name__}")
