"""Every differentiable operation: one ``Function`` subclass and one ``@op`` function each.

The modules group the ops by kind: arithmetic, division (``//``, ``%``, fmod), bitwise; elementwise maths (elementwise,
exponentials, trigonometry, rounding, clamping, closeness); comparison, selection,
copying; activations (activation, rectifiers, gaussian); reductions (reduction,
variance, extrema, softmax); moving elements (movement, repetition, joining,
reordering); indexing (indexing, index_plans), views, gather_scatter, index_slices; linalg,
einstein_summation, norms, decompositions, solvers,
orthogonal_factorizations, vector_products, matrix_exponential, lu_factorization; sorting, scan, triangular, sampling. ``docs/ops.md`` is the full table, generated from the registry with
``python -m microtensor.ops > docs/ops.md``.
"""
from .. import _registry
from ._util import normalize_dim, normalize_dims  # noqa: F401
from . import arithmetic  # noqa: F401
from . import division  # noqa: F401
from . import bitwise  # noqa: F401
from . import elementwise  # noqa: F401
from . import exponentials  # noqa: F401
from . import trigonometry  # noqa: F401
from . import hyperbolic  # noqa: F401
from . import rounding  # noqa: F401
from . import clamping  # noqa: F401
from . import closeness  # noqa: F401
from . import comparison  # noqa: F401
from . import selection  # noqa: F401
from . import copying  # noqa: F401
from . import activation  # noqa: F401
from . import rectifiers  # noqa: F401
from . import gaussian  # noqa: F401
from . import special_functions  # noqa: F401
from . import reduction  # noqa: F401
from . import variance  # noqa: F401
from . import extrema  # noqa: F401
from . import reduction_variants  # noqa: F401
from . import softmax  # noqa: F401
from . import movement  # noqa: F401
from . import repetition  # noqa: F401
from . import joining  # noqa: F401
from . import reordering  # noqa: F401
from . import indexing  # noqa: F401
from . import views  # noqa: F401
from . import splitting  # noqa: F401
from . import linalg  # noqa: F401
from . import einstein_summation  # noqa: F401
from . import affine_combinations  # noqa: F401
from . import gather_scatter  # noqa: F401
from . import scatter_reductions  # noqa: F401
from . import index_slices  # noqa: F401
from . import sorting  # noqa: F401
from . import triangular  # noqa: F401
from . import sampling  # noqa: F401
from . import scan  # noqa: F401
from . import norms  # noqa: F401
from . import decompositions  # noqa: F401
from . import solvers  # noqa: F401
from . import orthogonal_factorizations  # noqa: F401
from . import condition_number  # noqa: F401
from . import vector_products  # noqa: F401
from . import matrix_exponential  # noqa: F401
from . import lu_factorization  # noqa: F401
from . import tensor_facts  # noqa: F401
from . import products  # noqa: F401
from . import distances  # noqa: F401
from . import statistics  # noqa: F401
from . import integration  # noqa: F401
from . import matrix_builders  # noqa: F401
from . import combinatorics  # noqa: F401
from . import histograms  # noqa: F401
from . import float_representation  # noqa: F401
from . import number_theory  # noqa: F401
from . import nan_ignoring_extrema  # noqa: F401
from . import sign_functions  # noqa: F401
from . import bessel_sinc_erfinv  # noqa: F401
from . import gamma_functions  # noqa: F401
from . import tensor_status  # noqa: F401
from . import membership  # noqa: F401
from . import rotation  # noqa: F401
from . import diagonal_embedding  # noqa: F401
from . import scatter_views  # noqa: F401
from . import index_reduction  # noqa: F401
from . import flat_positions  # noqa: F401
from . import broadcast_sums  # noqa: F401
from . import special_extras  # noqa: F401  (mt.special only: xlog1py entr ndtr ndtri log_ndtr)
from . import numpy_protocol, methods  # noqa: F401  (numpy dispatch and Tensor methods beyond the ops)
from . import in_place_methods  # noqa: F401  (in-place forms of ops; mt.relu_(t) and the other top-level ones)

globals().update(_registry.OPS)
__all__ = sorted(_registry.OPS)
