"""Type stub of the public API: ``import explainer as ex`` gives type checkers every name's signature.

At run time ``explainer/__init__.py`` resolves most names on first use (so that ``import
explainer`` stays light); this stub names the module each comes from, exactly as the
runtime's lazy table does. tests/contract/test_typing.py checks that the two agree.
"""

from ._version import __version__ as __version__
from .errors import (
    DataFileNotFoundError as DataFileNotFoundError,
    ExplainerError as ExplainerError,
    InvalidInputError as InvalidInputError,
    ModelCallError as ModelCallError,
    ModelNotFittedError as ModelNotFittedError,
    OutputExistsError as OutputExistsError,
    UntrustedModelError as UntrustedModelError,
)
from .inventory import ColumnRecord as ColumnRecord, DataInventory as DataInventory

from ._audit import (
    Audit as Audit,
    audit as audit,
    audit_decisions as audit_decisions,
)
from ._collaborative_audit import (
    CollaborativeAudit as CollaborativeAudit,
    audit_collaborative as audit_collaborative,
)
from ._io import (
    read_table as read_table,
)
from ._why import (
    WhyExplanation as WhyExplanation,
    why as why,
    why_collaborative as why_collaborative,
)
from .analyses._cf import (
    SourceRefitResult as SourceRefitResult,
    SourceShares as SourceShares,
    attribute_sources as attribute_sources,
    refit_without_source as refit_without_source,
)
from .analyses._cf_audit import (
    PopularityResult as PopularityResult,
    factor_proxies as factor_proxies,
    popularity_bias as popularity_bias,
)
from .analyses._explain import (
    ShapResult as ShapResult,
    explain as explain,
)
from .analyses._fairness import (
    FairnessResult as FairnessResult,
    audit_fairness as audit_fairness,
)
from .analyses._membership import (
    MembershipResult as MembershipResult,
    membership_inference_risk as membership_inference_risk,
)
from .analyses._privacy import (
    ReidentificationResult as ReidentificationResult,
    reidentification_risk as reidentification_risk,
)
from .analyses._proxies import (
    find_proxies as find_proxies,
)
from .analyses._refit import (
    RefitResult as RefitResult,
    drop_column_importance as drop_column_importance,
)
from .findings import (
    Finding as Finding,
    Severity as Severity,
)
from .inventory import (
    Pseudonymiser as Pseudonymiser,
)
from .inventory._scan import (
    ScanResult as ScanResult,
    scan as scan,
)
from .models import (
    CollaborativeAdapter as CollaborativeAdapter,
    ModelAdapter as ModelAdapter,
    load_model as load_model,
    save_model as save_model,
    wrap_model as wrap_model,
)
from .report._config import (
    DisclosureConfig as DisclosureConfig,
)
from .scale import (
    explain_all as explain_all,
)

__all__ = [
    "__version__",
    "ColumnRecord",
    "DataInventory",
    "DataFileNotFoundError",
    "ExplainerError",
    "InvalidInputError",
    "ModelCallError",
    "ModelNotFittedError",
    "OutputExistsError",
    "UntrustedModelError",
    "Audit",
    "CollaborativeAdapter",
    "CollaborativeAudit",
    "DisclosureConfig",
    "FairnessResult",
    "Finding",
    "MembershipResult",
    "ModelAdapter",
    "PopularityResult",
    "Pseudonymiser",
    "RefitResult",
    "ReidentificationResult",
    "ScanResult",
    "Severity",
    "ShapResult",
    "SourceRefitResult",
    "SourceShares",
    "WhyExplanation",
    "attribute_sources",
    "audit",
    "audit_collaborative",
    "audit_decisions",
    "audit_fairness",
    "drop_column_importance",
    "explain",
    "explain_all",
    "factor_proxies",
    "find_proxies",
    "load_model",
    "membership_inference_risk",
    "popularity_bias",
    "read_table",
    "refit_without_source",
    "reidentification_risk",
    "save_model",
    "scan",
    "why",
    "why_collaborative",
    "wrap_model",
]
