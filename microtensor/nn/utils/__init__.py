"""``mt.nn.utils``, laid out as ``torch.nn.utils``.

| file                  | contents |
|-----------------------|----------|
| clip_grad.py          | clip_grad_norm_ clip_grad_value_ get_total_norm clip_grads_with_norm_ (clip_grad_norm, deprecated) |
| convert_parameters.py | parameters_to_vector vector_to_parameters |
| parametrize.py        | register_parametrization remove_parametrizations is_parametrized cached (``mt.nn.utils.parametrize``) |
| parametrizations.py   | weight_norm spectral_norm as parametrizations (``mt.nn.utils.parametrizations``) |
| weight_norm.py        | weight_norm remove_weight_norm (older hook form) |
| spectral_norm.py      | spectral_norm remove_spectral_norm (older hook form) |
| rnn.py                | PackedSequence pack_padded_sequence pad_packed_sequence pack_sequence unpack_sequence pad_sequence unpad_sequence (``mt.nn.utils.rnn``) |
"""
from . import clip_grad, convert_parameters, rnn
from . import parametrizations, parametrize
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

__all__ = [
    "clip_grad", "convert_parameters", "rnn",
    "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
    "parameters_to_vector", "vector_to_parameters",
    "parametrize", "parametrizations", "weight_norm", "remove_weight_norm", "spectral_norm", "remove_spectral_norm",
]
