from .exports import CRMAnalyticsExport

__all__ = ["CRMAnalyticsExport"]
