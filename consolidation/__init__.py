"""Ground Truth consolidation: estimators, output formats, the post-annotation Lambda.

Imports nothing else of gtemu and neither moto nor Flask, so the package can be deployed as
the custom annotation-consolidation Lambda of a real labeling job.
"""

from consolidation.acs import builtin_consolidation
from consolidation.lambda_function import lambda_handler

__all__ = ["builtin_consolidation", "lambda_handler"]
